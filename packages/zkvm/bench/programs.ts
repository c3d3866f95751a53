/** Programs the benchmark proves; a module of their own because proving workers import it. */
import { sha256 } from "@noble/hashes/sha2.js";
import { decodeCommitted, defineProgram } from "../src/program/index.js";

/** Does next to nothing: what remains is the host's own cost per proof. */
export const trivialProgram = defineProgram<number, number>({
  name: "bench-trivial",
  version: "1",
  module: import.meta.url,
  writeInput(n, writer) {
    writer.write(n);
  },
  guest(env) {
    env.commit(env.read<number>() + 1);
  },
  readOutput: (publicValues) => decodeCommitted<number>(publicValues),
});

/** CPU-bound: a chain of SHA-256 hashes in pure JavaScript. */
export const hashChainProgram = defineProgram<number, Uint8Array>({
  name: "bench-hash-chain",
  version: "1",
  module: import.meta.url,
  writeInput(iterations, writer) {
    writer.write(iterations);
  },
  guest(env) {
    const iterations = env.read<number>();
    let digest = new Uint8Array(32);
    for (let i = 0; i < iterations; i++) digest = sha256(digest);
    env.commitBytes(digest);
  },
  readOutput: (publicValues) => publicValues.slice(0, 32),
});
