import { conformanceShard } from "./support/conformance.js";

conformanceShard(0, 2);
