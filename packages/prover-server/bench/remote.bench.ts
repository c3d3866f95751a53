/**
 * Remote proving against native, side by side in one run: receipts per second through the
 * reference server on loopback (the remote-prover contract: start, poll, fetch, verify) and on a
 * native host in the same process, one at a time and 64 in flight, 2 workers each, the same
 * program. Prints numbers; asserts nothing.
 *
 *   npx nx run prover-server:bench
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startProverServer } from "@paas/prover-server";
import { HttpRemoteProver, NativeHost, type ProgramDescriptor, RemoteHost } from "@paas/zkvm";
import { wordCountProgram } from "../examples/programs/word-count.js";

const SEQUENTIAL = 100;
const PIPELINED = 1_000;
const IN_FLIGHT = 64;
const WORKERS = 2;
const POLL_INTERVALS_MS = (process.env.POLL_MS ?? "1000,50").split(",").map(Number);
const KEY = "0c".repeat(32);

interface Prover {
  prove(program: ProgramDescriptor, input: unknown, options: { signal: AbortSignal }): Promise<unknown>;
}

/** Keeps `inFlight` proofs outstanding until `count` are done; receipts per second. */
async function throughput(host: Prover, count: number, inFlight: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      await host.prove(wordCountProgram, `receipt number ${next++}`, {
        signal: new AbortController().signal,
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (count / (performance.now() - started)) * 1000;
}

const fixed = (n: number, digits = 0) => n.toFixed(digits);
console.log(
  `remote vs native proving — node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)}`,
);
console.log(
  `program: ${wordCountProgram.name} (a few microseconds of guest work), ${WORKERS} workers each\n`,
);

const datadir = mkdtempSync(path.join(tmpdir(), "paas-remote-bench-"));
const server = await startProverServer({ datadir, workers: WORKERS, programs: [wordCountProgram] });
const native = new NativeHost({ workers: WORKERS, privateKey: KEY });
try {
  const prover = new HttpRemoteProver({ url: server.url });
  const signal = new AbortController().signal;
  await native.prove(wordCountProgram, "warm up", { signal });
  const nativeOne = await throughput(native, SEQUENTIAL, 1);
  const nativeMany = await throughput(native, PIPELINED, IN_FLIGHT);
  console.log(
    `native                         one at a time ${fixed(nativeOne).padStart(6)} receipts/s   ${IN_FLIGHT} in flight ${fixed(nativeMany).padStart(6)} receipts/s`,
  );
  for (const pollIntervalMs of POLL_INTERVALS_MS) {
    const remote = new RemoteHost({
      backend: "remote",
      prover,
      publicKey: server.publicKey,
      concurrency: IN_FLIGHT,
      pollIntervalMs,
    });
    await remote.prove(wordCountProgram, "warm up", { signal });
    const count = Math.min(SEQUENTIAL, Math.ceil(20_000 / pollIntervalMs));
    const one = await throughput(remote, count, 1);
    const many = await throughput(remote, PIPELINED, IN_FLIGHT);
    console.log(
      `remote, polling every ${String(pollIntervalMs).padStart(4)} ms  one at a time ${fixed(one, 1).padStart(6)} receipts/s   ` +
        `${IN_FLIGHT} in flight ${fixed(many).padStart(6)} receipts/s   (${fixed(many / nativeMany, 2)}× native in flight)`,
    );
  }
  console.log(
    "\nOne at a time, a remote receipt waits for the first poll after its job ends: the poll interval bounds it, not the server.",
  );
} finally {
  await native.close();
  await server.close();
  rmSync(datadir, { recursive: true, force: true });
}
