/**
 * Scheduler overhead: end-to-end throughput of no-op tasks (submit → completed) on a file-backed
 * SQLite database, and status/list latency with 100k tasks stored. Prints numbers; asserts nothing.
 *
 *   npx nx run core:bench            (or: npm run bench -w @paas/core)
 *   BENCH_SIZES=1000,10000 npx nx run core:bench
 */
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  type ProgramDescriptor,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProofReceipt,
  type ProverService,
  ProverServiceBuilder,
  type ZkVmHost,
} from "../src/index.js";

const RECEIPT: ProofReceipt = {
  proof: new Uint8Array(64),
  publicValues: new Uint8Array(32),
  metadata: { zkvm: "native", programId: new Uint8Array(32), version: "1", proofType: "core" },
};

/** A host that proves instantly: what remains is the scheduler's own cost. */
class NoopHost implements ZkVmHost {
  readonly backend = "native";
  readonly zkvm = "native" as const;
  constructor(readonly concurrency: number) {}
  async prove(_program: ProgramDescriptor, _input: unknown): Promise<ProofReceipt> {
    return RECEIPT;
  }
  async close(): Promise<void> {}
}

@ProofPlugin({ kind: "noop", program: { name: "noop", version: "1" } })
class NoopPlugin implements ProofPluginHandler {
  parseContext(raw: ProofContext) {
    return raw;
  }
  async fetchInput() {
    return null;
  }
}

async function launch(file: string, concurrency: number): Promise<ProverService> {
  return new ProverServiceBuilder({ database: { path: file } })
    .host(new NoopHost(concurrency))
    .register(NoopPlugin)
    .launch();
}

async function throughput(n: number, concurrency: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-"));
  const service = await launch(path.join(dir, "paas.sqlite"), concurrency);
  let completed = 0;
  const done = new Promise<void>((resolve) => {
    service.onTransition((t) => {
      if (t.to === "completed" && ++completed === n) resolve();
    });
  });
  const started = performance.now();
  for (let i = 0; i < n; i += 1_000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 1_000); j++)
      batch.push(service.submit({ kind: "noop", index: j }, "native"));
    await Promise.all(batch);
  }
  await done;
  const seconds = (performance.now() - started) / 1_000;
  await service.close();
  rmSync(dir, { recursive: true, force: true });
  return n / seconds;
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function measure(label: string, runs: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  const { p50, p99 } = percentiles(samples);
  console.log(
    `  ${label.padEnd(42)} p50 ${(p50 * 1_000).toFixed(0).padStart(6)} µs   p99 ${(p99 * 1_000).toFixed(0).padStart(6)} µs`,
  );
}

async function queryLatency(stored: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-"));
  const service = await launch(path.join(dir, "paas.sqlite"), 8);
  const ids: string[] = [];
  let completed = 0;
  const done = new Promise<void>((resolve) => {
    service.onTransition((t) => {
      if (t.to === "completed" && ++completed === stored) resolve();
    });
  });
  for (let i = 0; i < stored; i += 1_000) {
    const batch = [];
    for (let j = i; j < Math.min(stored, i + 1_000); j++)
      batch.push(service.submit({ kind: "noop", index: j }, "native"));
    ids.push(...(await Promise.all(batch)).map((r) => r.task.id));
  }
  await done;
  console.log(`\nquery latency with ${stored.toLocaleString()} tasks stored`);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await measure("status(random task)", 10_000, () =>
    service.status(ids[Math.floor(Math.random() * ids.length)]!),
  );
  await measure("proof(random task)", 10_000, () =>
    service.proof(ids[Math.floor(Math.random() * ids.length)]!),
  );
  await measure("list(status=completed, 100 per page)", 1_000, () =>
    service.list({ status: "completed", limit: 100 }),
  );
  await measure("list(kind=noop, 5 pages of 1000 via cursor)", 200, async () => {
    let page = await service.list({ kind: "noop", limit: 1_000 });
    for (let k = 0; k < 4 && page.nextCursor; k++)
      page = await service.list({ kind: "noop", limit: 1_000, cursor: page.nextCursor });
  });
  await measure("summary()", 100, () => service.summary());
  delay.disable();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}

const sizes = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
console.log("no-op tasks, submit → completed, file-backed SQLite (WAL)");
for (const n of sizes) {
  for (const concurrency of [1, 8]) {
    const rate = await throughput(n, concurrency);
    console.log(
      `  ${n.toLocaleString().padStart(8)} tasks  concurrency ${concurrency}  ${Math.round(rate).toLocaleString().padStart(7)} tasks/s`,
    );
  }
}
if (!process.env.SKIP_QUERIES) await queryLatency(Math.max(...sizes));
