// The benchmark's CPU-bound guest without the host: the same SHA-256 chain in a bare worker thread,
// with no pool, input encoding or signing, at the proving workers' niceness and, given its thread id
// (its first message; Linux), their scheduling policy. Plain JavaScript, as a worker starts without
// a TypeScript loader. Answers each message (a number of hashes) with the milliseconds it took.
import { readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { sha256 } from "@noble/hashes/sha2.js";

const niceness = await import("@napi-rs/nice").catch(() => undefined);
niceness?.nice(workerData.niceIncrement);
parentPort.postMessage(
  process.platform === "linux" ? readlinkSync("/proc/thread-self").split("/").pop() : undefined,
);

parentPort.on("message", (iterations) => {
  const started = performance.now();
  let digest = new Uint8Array(32);
  for (let i = 0; i < iterations; i++) digest = sha256(digest);
  parentPort.postMessage(performance.now() - started);
});
