import { conformanceShard } from "./support/conformance.js";

conformanceShard(1, 2);
