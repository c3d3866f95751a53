/**
 * End-to-end numbers of the prover client on a local devnet (prints, asserts nothing):
 * - checkpoint latency: from a checkpoint appearing on the devnet (its epoch's last block) to its
 *   proof accepted by the CL, per epoch size, with 1 and 2 native workers;
 * - `paas_getTaskStatus` latency over HTTP while both workers prove, polled from a thread of its own;
 * - with a slow node, checkpoint latency and worker utilisation without and with prefetch;
 * - `paas_getTaskStatus` with 100 calls in flight (autocannon, in a process of its own), idle and
 *   while both workers prove;
 * - `paas_getProof` of a large receipt, answered as one JSON value and streamed: the event loop's
 *   worst delay meanwhile.
 *
 *   npx nx run prover-client:bench
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import type { ProofReceipt } from "@paas/core";
import { proverPublicKeyFromKeyFile } from "@paas/devnet";
import { defineMethod, JsonRpcClient, readRpcTokenFile, StreamedResult } from "@paas/jsonrpc";
import { startProverServer } from "@paas/prover-server";
import { CHECKPOINT, ClClient } from "@paas/rollup";
import { HOST_KEY_FILE, programIdOf, receiptJsonPieces, receiptToJson } from "@paas/zkvm";
import Fastify from "fastify";
import pino from "pino";
import { z } from "zod";
import type { ProverApp } from "../src/app/build-app.js";
import type { EmbeddedDevnet } from "../src/app/embedded-devnet.js";

/**
 * The prover client's own modules from the same tree as the packages (see run.mjs): its sources
 * under `npm run bench`, its build under `npm run bench:built`.
 */
const BUILT = !import.meta.resolve("@paas/core").endsWith(".ts");
const APP = BUILT ? "../dist" : "../src";
const { buildProverApp } = (await import(
  `${APP}/app/build-app.js`
)) as typeof import("../src/app/build-app.js");
const { startEmbeddedDevnet } = (await import(
  `${APP}/app/embedded-devnet.js`
)) as typeof import("../src/app/embedded-devnet.js");
const { loadConfig } = (await import(
  `${APP}/config/load-config.js`
)) as typeof import("../src/config/load-config.js");
const { buildHttpApp } = (await import(
  `${APP}/http/http-app.js`
)) as typeof import("../src/http/http-app.js");
const { EventStream } = (await import(
  `${APP}/http/event-stream.js`
)) as typeof import("../src/http/event-stream.js");

const EPOCHS_PER_RUN = Number(process.env.BENCH_EPOCHS ?? 4);

interface Setup {
  readonly dir: string;
  /** In its own process, as in `npm start`: its block production must not share our event loop. */
  readonly devnet: EmbeddedDevnet;
  readonly admin: JsonRpcClient;
  readonly cl: ClClient;
  readonly app: ProverApp;
}

async function setup(
  slotsPerEpoch: number,
  workers: number,
  runner: boolean,
  overrides: readonly string[] = [],
  /** The key the CL trusts for checkpoint proofs: a remote server's; default this client's own. */
  proverPublicKey?: string,
): Promise<Setup> {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-"));
  const devnet = await startEmbeddedDevnet({
    dataDir: path.join(dir, "devnet"),
    blockTimeMs: 0,
    slotsPerEpoch,
    seed: "paas-bench",
    chainId: 1337,
    proverPublicKey:
      proverPublicKey ??
      Buffer.from(proverPublicKeyFromKeyFile(path.join(dir, HOST_KEY_FILE))).toString("hex"),
    checkpointProgramId: Buffer.from(
      programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version),
    ).toString("hex"),
  });
  const config = loadConfig({
    overrides: [
      `datadir="${dir}"`,
      `nodes.cl_url="${devnet.url}"`,
      `nodes.el_url="${devnet.url}"`,
      "rpc.port=0",
      `backends.native.workers=${workers}`,
      `plugin_settings.checkpoint.runner=${runner}`,
      "plugin_settings.checkpoint.interval_ms=50",
      "progress.enabled=false",
      ...overrides,
    ],
  });
  const app = await buildProverApp(config, pino({ level: process.env.BENCH_LOG ?? "silent" }));
  // devnet_* calls that change state take the token the devnet wrote to its data directory.
  const bearerToken = readRpcTokenFile(path.join(dir, "devnet"))?.token;
  if (bearerToken === undefined)
    throw new Error(`the devnet wrote no rpc-token to ${path.join(dir, "devnet")}`);
  const admin = new JsonRpcClient({ url: devnet.url, bearerToken, timeoutMs: 60_000 });
  return { dir, devnet, admin, cl: new ClClient({ url: devnet.url }), app };
}

async function produceEpochs(run: Setup, slotsPerEpoch: number, epochs: number): Promise<void> {
  await run.admin.call("devnet_produceBlocks", [slotsPerEpoch * epochs]);
}

async function teardown({ dir, devnet, app }: Setup): Promise<void> {
  await app.close();
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface LatencyRun {
  /** Checkpoint latencies of the timed epochs, in milliseconds. */
  readonly latencies: number[];
  /** Busy proving slots over all of them while the timed checkpoints were on their way. */
  readonly utilisation: number;
}

/**
 * Produces epochs one at a time and times each checkpoint from creation to acceptance, sampling
 * the proving slots meanwhile. `delayMs`: every CL and EL request waits this long at the devnet.
 */
async function checkpointLatency(
  slotsPerEpoch: number,
  workers: number,
  options: { overrides?: readonly string[]; delayMs?: number; proverPublicKey?: string } = {},
): Promise<LatencyRun> {
  const run = await setup(slotsPerEpoch, workers, true, options.overrides, options.proverPublicKey);
  const latencies: number[] = [];
  let busy = 0;
  let capacity = 0;
  try {
    // The first epoch warms the workers up (module loading, the EVM helper thread): not timed.
    for (let epoch = 0; epoch <= EPOCHS_PER_RUN; epoch++) {
      if (epoch === 1 && options.delayMs) await run.admin.call("devnet_setDelay", [options.delayMs, "all"]);
      await produceEpochs(run, slotsPerEpoch, 1);
      const appeared = performance.now();
      while ((await run.cl.getCheckpointStatus(epoch)).status !== "proven") {
        if (epoch > 0) {
          for (const slots of run.app.service.provingLoad()) {
            busy += slots.busy;
            capacity += slots.capacity;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (epoch > 0) latencies.push(performance.now() - appeared);
    }
  } finally {
    await teardown(run);
  }
  return { latencies, utilisation: capacity === 0 ? 0 : busy / capacity };
}

interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

/**
 * Status queries over HTTP while both workers prove a long EL range each, side by side with the
 * same calls to a bare HTTP server in a process of its own: the floor this machine gives any
 * server at that moment (waking a sleeping thread and an idle virtual CPU, sharing two cores with
 * the workers, the devnet serving witnesses), against which the prover's own share is read.
 */
async function statusLatency(): Promise<{
  ours: Percentiles;
  bare: Percentiles;
  loopP99: number;
  loopMax: number;
}> {
  const run = await setup(16, 2, false);
  const bare = await startBareServer();
  try {
    await produceEpochs(run, 16, 8);
    const client = new JsonRpcClient({
      url: run.app.rpcUrl!,
      bearerToken: run.app.rpcToken!,
      timeoutMs: 10_000,
    });
    const a = await client.call<{ id: string }>("paas_proveElBlocks", [1, 64]);
    const b = await client.call<{ id: string }>("paas_proveElBlocks", [65, 128]);
    // Read in-process: the sampling loop must not add load of its own (a report call reaches the CL).
    const busy = async () => (await run.app.service.summary()).byStatus.proving === 2;
    while (!(await busy())) await new Promise((resolve) => setTimeout(resolve, 10));
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const samples = await pollFromItsOwnThread(run.app.rpcUrl!, bare.url, [a.id, b.id], 2_000, busy);
    loop.disable();
    return {
      ours: percentiles(samples.ours),
      bare: percentiles(samples.bare),
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
    };
  } finally {
    bare.process.kill();
    await teardown(run);
  }
}

function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, samples: sorted.length };
}

/** node:http answering every POST with a constant JSON-RPC result, in a child process. */
async function startBareServer(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ["-e", BARE_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the bare server exited with code ${code}`)));
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}/`, process: child };
}

const BARE_SERVER = `
const server = require("node:http").createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { status: "proving" } }));
  });
});
// Written as text: console.log colours a number when FORCE_COLOR is set (nx sets it for its tasks).
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

/**
 * A client polling `paas_getTaskStatus` every 5 ms from a thread of its own, with Node's http and
 * one kept-alive connection per server, alternating between the prover and the bare server: what
 * is measured is how long each keeps a call waiting, not what a client on the prover's own thread
 * (its allocations, its collections) adds to it. Stops after `calls` or once `stillBusy` says the
 * window has closed.
 */
async function pollFromItsOwnThread(
  url: string,
  bareUrl: string,
  ids: readonly string[],
  calls: number,
  stillBusy: () => Promise<boolean>,
): Promise<{ ours: number[]; bare: number[] }> {
  const worker = new Worker(POLLER, { eval: true, workerData: { url, bareUrl, ids, calls } });
  const done = new Promise<{ ours: number[]; bare: number[] }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  while (!finished && (await stillBusy())) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!finished) worker.postMessage("stop");
  const samples = await done;
  await worker.terminate();
  return samples;
}

const POLLER = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const { url, bareUrl, ids, calls } = workerData;
let stop = false;
parentPort.on("message", () => { stop = true; });
function call(target, agent, id) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "paas_getTaskStatus", params: [id] });
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      let answer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => { answer += chunk; });
      // A failed call must fail the benchmark, not count as a fast sample.
      response.on("end", () => response.statusCode === 200 && JSON.parse(answer).result ? resolve() : reject(new Error("paas_getTaskStatus failed: " + answer.slice(0, 200))));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}
(async () => {
  const targets = [
    { url, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), samples: [] },
    { url: bareUrl, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), samples: [] },
  ];
  for (let i = 0; i < calls && !stop; i++) {
    const target = targets[i % 2];
    const started = performance.now();
    await call(target.url, target.agent, ids[(i >> 1) % ids.length]);
    target.samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  parentPort.postMessage({ ours: targets[0].samples, bare: targets[1].samples });
})();
`;

interface ReadLoad {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly calls: number;
  readonly failed: number;
  readonly loopDelayMaxMs: number;
}

/**
 * `calls` of `paas_getTaskStatus` with `inFlight` at a time from autocannon in a process of its
 * own (a load generator on the server's thread would measure itself), keep-alive connections.
 */
async function readLoad(url: string, id: string, calls: number, inFlight: number): Promise<ReadLoad> {
  const bin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "paas_getTaskStatus", params: [id] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      bin,
      "-c",
      String(inFlight),
      "-a",
      String(calls),
      // autocannon notices the last answer only at its next sample tick, so the run's duration is
      // rounded up to a whole sample interval: at its default 1 s, 20,000 calls in 2.1 s count as
      // 3 s. A 50 ms tick keeps that error under a few percent.
      "-L",
      "50",
      "-m",
      "POST",
      "-H",
      "content-type=application/json",
      "-b",
      body,
      "-j",
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  loop.disable();
  const result = JSON.parse(stdout) as {
    requests: { total: number };
    latency: { p50: number; p99: number; max: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  };
  return {
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    calls: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
    loopDelayMaxMs: loop.max / 1e6,
  };
}

/**
 * Calls made, and not counted, before each measured run of reads: the first thousands of calls of
 * a fresh process run in V8's interpreter and baseline code (a cold start showed a max of 1.2–1.4 s
 * and half the steady rate); an operator's prover client answers reads for days.
 */
const WARM_UP_CALLS = 10_000;

/**
 * The ceiling of this machine for the same load: a bare fastify route answering a constant
 * JSON-RPC result, in this process, measured the same way.
 */
async function bareFastify(): Promise<ReadLoad> {
  const bare = Fastify();
  bare.post("/", async () => ({ jsonrpc: "2.0", id: 1, result: { status: "completed" } }));
  const url = await bare.listen({ host: "127.0.0.1", port: 0 });
  try {
    await readLoad(url, "bare", WARM_UP_CALLS, 100);
    return await readLoad(url, "bare", 20_000, 100);
  } finally {
    await bare.close();
  }
}

/** Reads with 100 in flight, first with nothing to prove, then while both workers prove. */
async function readsUnderLoad(): Promise<{ idle: ReadLoad; proving: ReadLoad }> {
  const run = await setup(16, 2, false);
  try {
    await produceEpochs(run, 16, 8);
    const client = new JsonRpcClient({
      url: run.app.rpcUrl!,
      bearerToken: run.app.rpcToken!,
      timeoutMs: 10_000,
    });
    const warm = await client.call<{ id: string }>("paas_proveElBlocks", [1, 1]);
    await client.call("paas_getTaskStatus", [warm.id]);
    await run.app.service.wait(warm.id, { timeoutMs: 60_000 });
    await readLoad(run.app.rpcUrl!, warm.id, WARM_UP_CALLS, 100);
    const idle = await readLoad(run.app.rpcUrl!, warm.id, 20_000, 100);
    const a = await client.call<{ id: string }>("paas_proveElBlocks", [1, 64]);
    await client.call<{ id: string }>("paas_proveElBlocks", [65, 128]);
    const busy = async () => (await run.app.service.summary()).byStatus.proving === 2;
    while (!(await busy())) await new Promise((resolve) => setTimeout(resolve, 10));
    const proving = await readLoad(run.app.rpcUrl!, a.id, 20_000, 100);
    return { idle, proving };
  } finally {
    await teardown(run);
  }
}

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

interface ProofFetch {
  readonly totalMs: number;
  readonly loopDelayMaxMs: number;
}

/**
 * `paas_getProof`'s answer for a receipt of `megabytes` MB, built as one value (as before
 * `receiptJsonPieces`) and streamed, alternating, from the prover client's HTTP server (fastify,
 * this process) to a client in a process of its own that reads the whole answer. The answer's
 * event-loop delay is what every other request waits meanwhile.
 */
async function proofAnswers(
  megabytes: number,
  rounds: number,
): Promise<Record<"value" | "streamed", ProofFetch[]>> {
  const receipt: ProofReceipt = {
    proof: randomBytes(megabytes * 1024 * 1024),
    publicValues: randomBytes(64),
    metadata: { zkvm: "native", programId: new Uint8Array(32), version: "v1", proofType: "compressed" },
  };
  const server = await buildHttpApp({
    methods: {
      value: defineMethod({ params: z.tuple([]), handler: () => receiptToJson(receipt) }),
      streamed: defineMethod({
        params: z.tuple([]),
        handler: () => new StreamedResult(receiptJsonPieces(receipt)),
      }),
    },
    maxBodyBytes: 4096,
    events: new EventStream(),
    readiness: [],
    readinessTimeoutMs: 1_000,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/`;
  const fetchAll = (method: string) =>
    `fetch(${JSON.stringify(url)}, { method: "POST", headers: { "content-type": "application/json" }, ` +
    `body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: ${JSON.stringify(method)} }) })` +
    ".then((r) => r.arrayBuffer()).then((b) => { if (b.byteLength < 1e6) process.exit(1); })";
  const results: Record<"value" | "streamed", ProofFetch[]> = { value: [], streamed: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const method of ["value", "streamed"] as const) {
        // Each run starts from a collected heap, not paying for the garbage of the run before.
        collectGarbage();
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        const started = performance.now();
        await promisify(execFile)(process.execPath, ["-e", fetchAll(method)]);
        const totalMs = performance.now() - started;
        loop.disable();
        results[method].push({ totalMs, loopDelayMaxMs: loop.max / 1e6 });
      }
    }
  } finally {
    await server.close();
  }
  return results;
}

/**
 * Checkpoint latency with every proof on a remote backend (the reference server, in this process,
 * 2 workers) against the native backend (2 workers), alternating, same devnet shape.
 */
async function remoteAgainstNative(pollIntervalMs: number): Promise<{ native: number; remote: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-server-"));
  const server = await startProverServer({ datadir: dir, workers: 2 });
  try {
    const native = await checkpointLatency(4, 2);
    const remote = await checkpointLatency(4, 2, {
      overrides: [
        'backends.net.type="remote"',
        `backends.net.url="${server.url}"`,
        `backends.net.public_key="${server.publicKey}"`,
        `backends.net.poll_interval_ms=${pollIntervalMs}`,
        'default_backend="net"',
      ],
      proverPublicKey: server.publicKey,
    });
    return { native: median(native.latencies), remote: median(remote.latencies) };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A backlog: `epochs` epochs appear at once. When is each checkpoint accepted? Work under an older
 * checkpoint is claimed first (its dependencies inherit its priority), so they should finish one
 * after another from the first, not all together at the end.
 */
async function backlog(epochs: number): Promise<number[]> {
  const run = await setup(4, 2, true);
  try {
    await produceEpochs(run, 4, 1);
    while ((await run.cl.getCheckpointStatus(0)).status !== "proven") {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await produceEpochs(run, 4, epochs);
    const appeared = performance.now();
    // Each checkpoint's own acceptance, whatever the order: they are polled together.
    const accepted: number[] = new Array(epochs);
    let waiting = epochs;
    while (waiting > 0) {
      for (let index = 1; index <= epochs; index++) {
        if (accepted[index - 1] !== undefined) continue;
        if ((await run.cl.getCheckpointStatus(index)).status === "proven") {
          accepted[index - 1] = performance.now() - appeared;
          waiting--;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return accepted;
  } finally {
    await teardown(run);
  }
}

const PARTS = new Set(
  (process.env.BENCH_PARTS ?? "latency,prefetch,status,reads,proof,remote,backlog").split(","),
);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(
      ", ",
    )} (${cpus().length} cores); running the ${BUILT ? "build (dist/), as deployed" : "TypeScript sources under tsx, as npm start does"}\n`,
);

if (PARTS.has("latency")) {
  console.log(
    "checkpoint appearing on the devnet → proof accepted by the CL (median of %d epochs)",
    EPOCHS_PER_RUN,
  );
  for (const slotsPerEpoch of [4, 16]) {
    for (const workers of [1, 2]) {
      const { latencies } = await checkpointLatency(slotsPerEpoch, workers);
      const shown = latencies.map((ms) => Math.round(ms)).join(", ");
      console.log(
        `  ${String(slotsPerEpoch).padStart(2)} slots/epoch, ${workers} worker${workers > 1 ? "s" : " "}  ` +
          `median ${Math.round(median(latencies)).toString().padStart(5)} ms   (${shown})`,
      );
    }
  }
}
if (PARTS.has("prefetch")) {
  // A slow node: every CL and EL request waits PREFETCH_DELAY_MS. Eight CL STF proofs of two slots
  // per checkpoint, each with its EVM dependency, give the two workers more tasks than slots.
  const delayMs = Number(process.env.PREFETCH_DELAY_MS ?? 100);
  console.log(
    "\nwith every node request delayed %d ms: 16 slots/epoch in CL STF proofs of 2 slots, 2 workers",
    delayMs,
  );
  const shape = ["plugin_settings.checkpoint.cl_stf_max_slots=2"];
  const medians: number[] = [];
  for (const prefetch of [0, 2]) {
    const { latencies, utilisation } = await checkpointLatency(16, 2, {
      overrides: [...shape, `claim.prefetch=${prefetch}`],
      delayMs,
    });
    medians.push(median(latencies));
    console.log(
      `  prefetch ${prefetch}${prefetch === 0 ? " (fetch inside the slot)" : " (the default)       "}  ` +
        `checkpoint median ${Math.round(median(latencies)).toString().padStart(5)} ms   ` +
        `workers busy ${(utilisation * 100).toFixed(0).padStart(3)}% of the time`,
    );
  }
  console.log(`  checkpoint latency with prefetch: ${(medians[1]! / medians[0]!).toFixed(2)}× of without`);
}
if (PARTS.has("status")) {
  const { ours, bare, loopP99, loopMax } = await statusLatency();
  console.log(
    "\npaas_getTaskStatus over HTTP while 2 workers prove (%d calls), beside a bare node:http server in its own process (%d calls)",
    ours.samples,
    bare.samples,
  );
  for (const [label, r] of [
    ["prover     ", ours],
    ["bare server", bare],
  ] as const) {
    console.log(
      `  ${label}  p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   max ${r.max.toFixed(2)} ms`,
    );
  }
  console.log(
    `  p99 ${(ours.p99 / bare.p99).toFixed(2)}× the bare server's; the prover's event loop delay meanwhile p99 ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms`,
  );
}
if (PARTS.has("reads")) {
  const bare = await bareFastify();
  const { idle, proving } = await readsUnderLoad();
  console.log("\npaas_getTaskStatus with 100 calls in flight (autocannon, keep-alive)");
  for (const [label, r] of [
    ["bare fastify route", bare],
    ["idle              ", idle],
    ["2 workers proving ", proving],
  ] as const) {
    console.log(
      `  ${label}  ${Math.round(r.perSecond).toString().padStart(6)} calls/s   p50 ${r.p50.toFixed(1)} ms   ` +
        `p99 ${r.p99.toFixed(1)} ms   max ${r.max.toFixed(1)} ms   failed ${r.failed}/${r.calls}   ` +
        `event loop delay max ${r.loopDelayMaxMs.toFixed(1)} ms`,
    );
  }
  console.log(
    `  idle status reads: ${(idle.perSecond / bare.perSecond).toFixed(2)}× a bare fastify route's calls/s`,
  );
}
if (PARTS.has("proof")) {
  const megabytes = 30;
  const { value, streamed } = await proofAnswers(megabytes, 3);
  console.log(
    `\npaas_getProof of a ${megabytes} MB receipt, read whole by a client in its own process (3 rounds, alternating)`,
  );
  for (const [label, runs] of [
    ["one JSON value", value],
    ["streamed      ", streamed],
  ] as const) {
    console.log(
      `  ${label}  answered in ${runs.map((r) => Math.round(r.totalMs)).join(", ")} ms   ` +
        `event loop delay max ${runs.map((r) => Math.round(r.loopDelayMaxMs)).join(", ")} ms`,
    );
  }
  const worst = (runs: readonly ProofFetch[]) => median(runs.map((r) => r.loopDelayMaxMs));
  console.log(
    `  worst event-loop delay, medians: streamed ${(worst(streamed) / worst(value)).toFixed(2)}× of one value`,
  );
}
if (PARTS.has("remote")) {
  const pollIntervalMs = Number(process.env.REMOTE_POLL_MS ?? 100);
  const { native, remote } = await remoteAgainstNative(pollIntervalMs);
  console.log(
    "\ncheckpoint latency, 4 slots/epoch, 2 workers: native %d ms, remote (reference server on loopback, polling every %d ms) %d ms: %s× native",
    Math.round(native),
    pollIntervalMs,
    Math.round(remote),
    (remote / native).toFixed(2),
  );
}
if (PARTS.has("backlog")) {
  const accepted = await backlog(8);
  console.log("\na backlog of 8 epochs appearing at once (4 slots/epoch, 2 workers): accepted after");
  console.log(`  ${accepted.map((ms, i) => `#${i + 1} ${Math.round(ms)} ms`).join(", ")}`);
  console.log(
    `  the oldest after ${((accepted[0]! / Math.max(...accepted)) * 100).toFixed(0)}% of the time the whole backlog took`,
  );
}
