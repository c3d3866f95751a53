#!/usr/bin/env node
// Runs the benchmark under tsx with the root tsconfig (see paas.mjs for why).
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
await import("./prover.bench.ts");
