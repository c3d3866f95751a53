/**
 * End-to-end numbers of the prover client on a local devnet (prints, asserts nothing):
 * - checkpoint latency: from a checkpoint appearing on the devnet (its epoch's last block) to its
 *   proof accepted by the CL, per epoch size, with 1 and 2 native workers;
 * - `paas_getTaskStatus` latency over HTTP while both workers prove.
 *
 *   npx nx run prover-client:bench
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { JsonRpcClient } from "@paas/jsonrpc";
import pino from "pino";
import { buildProverApp, type ProverApp } from "../src/app/build-app.js";
import { loadConfig } from "../src/config/load-config.js";
import { startTrustingDevnet } from "../test/support/devnet.js";

const EPOCHS_PER_RUN = Number(process.env.BENCH_EPOCHS ?? 4);

interface Setup {
  readonly dir: string;
  readonly devnet: Devnet;
  readonly app: ProverApp;
}

async function setup(slotsPerEpoch: number, workers: number, runner: boolean): Promise<Setup> {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-"));
  const devnet = await startTrustingDevnet(dir, { slotsPerEpoch });
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
    ],
  });
  const app = await buildProverApp(config, pino({ level: "silent" }));
  return { dir, devnet, app };
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

/** Produces epochs one at a time and times each checkpoint from creation to acceptance. */
async function checkpointLatency(slotsPerEpoch: number, workers: number): Promise<number[]> {
  const run = await setup(slotsPerEpoch, workers, true);
  const latencies: number[] = [];
  try {
    // The first epoch warms the workers up (module loading, the EVM helper thread): not timed.
    for (let epoch = 0; epoch <= EPOCHS_PER_RUN; epoch++) {
      const accepted = new Promise<void>((resolve) => {
        const stop = run.devnet.chain.subscribe((event) => {
          if (event.type === "proof" && event.result.outcome === "accepted" && event.result.index === epoch) {
            stop();
            resolve();
          }
        });
      });
      await run.devnet.chain.produceEpochs(1);
      const appeared = performance.now();
      await accepted;
      if (epoch > 0) latencies.push(performance.now() - appeared);
    }
  } finally {
    await teardown(run);
  }
  return latencies;
}

/** Status queries over HTTP while both workers prove a long EL range each. */
async function statusLatency(): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const run = await setup(16, 2, false);
  try {
    await run.devnet.chain.produceEpochs(8);
    const client = new JsonRpcClient({ url: run.app.rpcUrl!, timeoutMs: 10_000 });
    const a = await client.call<{ id: string }>("paas_proveElBlocks", [1, 64]);
    const b = await client.call<{ id: string }>("paas_proveElBlocks", [65, 128]);
    const busy = async () =>
      (await client.call<{ byStatus: { proving: number } }>("paas_getReport", [])).byStatus.proving === 2;
    while (!(await busy())) await new Promise((resolve) => setTimeout(resolve, 10));
    const samples: number[] = [];
    while (samples.length < 2_000 && (await busy())) {
      const started = performance.now();
      await client.call("paas_getTaskStatus", [samples.length % 2 === 0 ? a.id : b.id]);
      samples.push(performance.now() - started);
    }
    const sorted = [...samples].sort((x, y) => x - y);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, samples: samples.length };
  } finally {
    await teardown(run);
  }
}

console.log(
  "checkpoint appearing on the devnet → proof accepted by the CL (median of %d epochs)",
  EPOCHS_PER_RUN,
);
for (const slotsPerEpoch of [4, 16]) {
  for (const workers of [1, 2]) {
    const latencies = await checkpointLatency(slotsPerEpoch, workers);
    const shown = latencies.map((ms) => Math.round(ms)).join(", ");
    console.log(
      `  ${String(slotsPerEpoch).padStart(2)} slots/epoch, ${workers} worker${workers > 1 ? "s" : " "}  ` +
        `median ${Math.round(median(latencies)).toString().padStart(5)} ms   (${shown})`,
    );
  }
}
const status = await statusLatency();
console.log("\npaas_getTaskStatus over HTTP while 2 workers prove (%d calls)", status.samples);
console.log(
  `  p50 ${status.p50.toFixed(2)} ms   p99 ${status.p99.toFixed(2)} ms   max ${status.max.toFixed(2)} ms`,
);
