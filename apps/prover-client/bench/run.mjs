#!/usr/bin/env node
// Runs the benchmark under tsx. With `--conditions=@paas/source` (npm run bench) the packages are
// their TypeScript sources, loaded with the root tsconfig (see paas.mjs for why); without it (npm
// run bench:built, after a build) they are their dist/ builds, as an operator deploys them, and the
// tsconfig here maps no package to its sources. The two differ: tsx keeps function names by
// wrapping each named closure in a call every time one is made, which made the value encoder's
// per-item work 6× dearer than in the build until its closure was hoisted.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const fromSources = import.meta.resolve("@paas/core").endsWith(".ts");
const tsconfig = fromSources ? "../../../tsconfig.json" : "./tsconfig.built.json";
register({ tsconfig: fileURLToPath(new URL(tsconfig, import.meta.url)) });
await import("./prover.bench.ts");
