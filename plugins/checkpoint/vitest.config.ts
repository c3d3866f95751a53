import { projectTestConfig } from "../../vitest.shared.js";

// The runner's tests wait for real proofs (worker threads, a stub CL); `until` allows 60 s each.
export default projectTestConfig(import.meta.dirname, { testTimeout: 120_000 });
