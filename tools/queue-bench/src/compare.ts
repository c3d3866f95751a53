/**
 * Side by side, in one run, on one workload: PaaS's scheduler (SQLite, PostgreSQL), BullMQ (Redis,
 * PostgreSQL) and pg-boss (PostgreSQL). Rounds alternate the systems, so a burst of load on this
 * shared machine hits them all alike; the median of each is compared. Prints numbers, asserts nothing.
 *
 *   npm run compare -w @paas/queue-bench        (or: npx nx run queue-bench:compare)
 *
 * Environment: QUEUE_BENCH_JOBS (10000), QUEUE_BENCH_BATCH (1000), QUEUE_BENCH_CONCURRENCY (8),
 * QUEUE_BENCH_ROUNDS (3), QUEUE_BENCH_SYSTEMS (a comma-separated subset of the names printed),
 * PAAS_BENCH_POSTGRES_URL, QUEUE_BENCH_REDIS_URL (else a redis-server of our own is started).
 */
import { cpus, loadavg } from "node:os";
import { redisForBench } from "./redis-server.js";
import type { QueueSystem } from "./system.js";
import { bullmqPostgres, bullmqRedis } from "./systems/bullmq.js";
import { paasPostgres, paasSqlite } from "./systems/paas.js";
import { pgBoss } from "./systems/pg-boss.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const JOBS = env("QUEUE_BENCH_JOBS", 10_000);
const BATCH = env("QUEUE_BENCH_BATCH", 1_000);
const CONCURRENCY = env("QUEUE_BENCH_CONCURRENCY", 8);
const ROUNDS = env("QUEUE_BENCH_ROUNDS", 3);

const RATIOS: readonly (readonly [string, string])[] = [
  ["PaaS SQLite", "BullMQ Redis"],
  ["PaaS PostgreSQL", "BullMQ PostgreSQL"],
  ["PaaS PostgreSQL", "pg-boss"],
];

const load = () => {
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  return `load ${one}, ${five}, ${fifteen}`;
};
const perSecond = (rate: number) => `${Math.round(rate).toLocaleString("en-US")}/s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One timed run of one system on a fresh store; setup and teardown are not timed. */
async function measure(system: QueueSystem): Promise<number> {
  const started = await system.start(CONCURRENCY);
  try {
    const t0 = performance.now();
    await started.run(JOBS, BATCH);
    return JOBS / ((performance.now() - t0) / 1_000);
  } finally {
    await started.stop();
  }
}

const redis = await redisForBench();
try {
  const wanted = process.env.QUEUE_BENCH_SYSTEMS?.split(",").map((s) => s.trim());
  const systems = [paasSqlite, bullmqRedis(redis), paasPostgres, bullmqPostgres, pgBoss].filter(
    (s) => wanted === undefined || wanted.includes(s.name),
  );
  console.log(
    `${JOBS.toLocaleString("en-US")} no-op jobs, added in batches of ${BATCH.toLocaleString("en-US")}, ` +
      `a worker with concurrency ${CONCURRENCY}; ${ROUNDS} rounds; ${cpus().length} cores, ${load()}`,
  );
  // One uncounted run of each first: a process's first run of any system includes the JIT's first
  // compilations of its client code (its first rounds ran 10–40% slower, for BullMQ as for PaaS),
  // which a queue that runs for days has long paid.
  for (const system of systems) await measure(system);
  const rates = new Map<string, number[]>(systems.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another system, so none always runs first (or right after another).
    const order = systems.map((_, i) => systems[(i + round) % systems.length]!);
    for (const system of order) {
      const rate = await measure(system);
      rates.get(system.name)!.push(rate);
      console.log(
        `  round ${round + 1}  ${system.name.padEnd(18)} ${perSecond(rate).padStart(9)}   (${load()})`,
      );
    }
  }
  console.log("\nmedian (min – max)");
  for (const [name, values] of rates) {
    const range = `${perSecond(Math.min(...values))} – ${perSecond(Math.max(...values))}`;
    console.log(`  ${name.padEnd(18)} ${perSecond(median(values)).padStart(9)}   (${range})`);
  }
  // A burst of load can last a whole run: the ratio within each round (runs close in time) says
  // more than the ratio of medians taken from different moments.
  console.log("\nratios: of medians, and the median (min – max) of the ratios within each round");
  for (const [ours, theirs] of RATIOS) {
    const a = rates.get(ours);
    const b = rates.get(theirs);
    if (!a || !b) continue;
    const perRound = a.map((rate, round) => rate / b[round]!);
    const range = `${Math.min(...perRound).toFixed(2)} – ${Math.max(...perRound).toFixed(2)}`;
    console.log(
      `  ${`${ours} / ${theirs}`.padEnd(38)} ${(median(a) / median(b)).toFixed(2)}×   ${median(perRound).toFixed(2)}× (${range})`,
    );
  }
  console.log(`\n${load()}`);
} finally {
  await redis.stop();
}
