import { projectTestConfig } from "../../vitest.shared.js";

// A test that starts a harness also starts its proving workers, which load the EVM at a lower
// priority (nice 10): 4 s alone, 16-20 s while CI runs other projects' tests beside them.
export default projectTestConfig(import.meta.dirname, { testTimeout: 90_000 });
