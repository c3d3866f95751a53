/**
 * Scheduler overhead (prints numbers, asserts nothing):
 * - throughput of no-op tasks, submit → completed, submitted with `submitMany` in batches, on a
 *   file-backed SQLite and on PostgreSQL with 1, 2 and 3 instances (each a process of its own);
 * - query latency (status, proof, list, summary) with many tasks stored, on both.
 *
 *   npx nx run core:bench            (or: npm run bench -w @paas/core)
 *   BENCH_TASKS=2000 BENCH_STORED=10000 npx nx run core:bench        (a shorter run)
 *
 * PostgreSQL comes from PAAS_BENCH_POSTGRES_URL (default: the test database); each measurement
 * runs in a fresh schema `bench_<random>`, dropped afterwards.
 */

import { type ProverService, redactedUrl } from "../src/index.js";
import {
  type BenchDatabase,
  freshPostgres,
  freshSqlite,
  POSTGRES_URL,
  postgresAnswers,
} from "./databases.js";
import { launchNoop, launchSubmitter, NOOP_KIND, submitNoops } from "./noop.js";
import { PgInstances } from "./pg-instances.js";
import { latency, loadLine, rateLine } from "./report.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TASKS = env("BENCH_TASKS", 10_000);
const BATCH = env("BENCH_BATCH", 1_000);
const CONCURRENCY = env("BENCH_CONCURRENCY", 8);
const STORED = env("BENCH_STORED", 100_000);
/** Instance counts of the PostgreSQL runs; empty skips them. */
const INSTANCES = (process.env.BENCH_INSTANCES ?? "1,2,3").split(",").filter(Boolean).map(Number);
/** How often the parent asks PostgreSQL whether the instances have finished (a cheap counter read). */
const POLL_MS = 10;

/** Resolves when `n` tasks have completed in this process. */
function completions(service: ProverService, n: number): Promise<void> {
  let completed = 0;
  return new Promise((resolve) => {
    const stop = service.onTransition((t) => {
      if (t.to === "completed" && ++completed === n) {
        stop();
        resolve();
      }
    });
  });
}

/** One process submits and proves on SQLite (the only way SQLite runs: one process per file). */
async function sqliteThroughput(): Promise<void> {
  const database = freshSqlite();
  const service = await launchNoop(database.location, CONCURRENCY);
  try {
    const done = completions(service, TASKS);
    const started = performance.now();
    await submitNoops(service, TASKS, BATCH);
    await done;
    console.log(rateLine("SQLite, 1 process", TASKS, (performance.now() - started) / 1_000));
  } finally {
    await service.close();
    await database.dispose();
  }
}

/** A submitter that claims nothing, and `count` proving instances in processes of their own. */
async function postgresThroughput(count: number): Promise<void> {
  const database = freshPostgres();
  const { schema } = database.location as { schema: string };
  const submitter = await launchSubmitter(database.location); // creates and migrates the schema
  const instances = await PgInstances.start(POSTGRES_URL, schema, count, CONCURRENCY);
  try {
    const started = performance.now();
    await submitNoops(submitter, TASKS, BATCH);
    while ((await submitter.summary()).byStatus.completed < TASKS) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const label = `PostgreSQL, ${count} instance${count > 1 ? "s" : ""}`;
    console.log(rateLine(label, TASKS, (performance.now() - started) / 1_000));
  } finally {
    await instances.stop();
    await submitter.close();
    await database.dispose();
  }
}

/** Stores `STORED` completed tasks (through the scheduler, with their receipts and history), then queries. */
async function queryLatency(database: BenchDatabase): Promise<void> {
  const service = await launchNoop(database.location, CONCURRENCY);
  try {
    const filled = performance.now();
    const done = completions(service, STORED);
    const ids = await submitNoops(service, STORED, BATCH);
    await done;
    const seconds = (performance.now() - filled) / 1_000;
    console.log(
      `\n${database.label}: query latency with ${STORED.toLocaleString("en-US")} tasks stored (filled in ${seconds.toFixed(1)} s)`,
    );
    const randomId = () => ids[Math.floor(Math.random() * ids.length)]!;
    await latency("status(random task)", 10_000, () => service.status(randomId()));
    await latency("proof(random task)", 10_000, () => service.proof(randomId()));
    await latency("list(status=completed, 100 per page)", 1_000, () =>
      service.list({ status: "completed", limit: 100 }),
    );
    await latency("list(kind=noop, 5 pages of 1000 via cursor)", 100, async () => {
      let page = await service.list({ kind: NOOP_KIND, limit: 1_000 });
      for (let k = 0; k < 4 && page.nextCursor; k++)
        page = await service.list({ kind: NOOP_KIND, limit: 1_000, cursor: page.nextCursor });
    });
    await latency("summary()", 1_000, () => service.summary());
  } finally {
    await service.close();
    await database.dispose();
  }
}

console.log(loadLine());
console.log(
  `\nno-op tasks, submit → completed: ${TASKS.toLocaleString("en-US")} tasks, submitMany in batches of ${BATCH.toLocaleString("en-US")}, concurrency ${CONCURRENCY} per instance`,
);
await sqliteThroughput();
const postgresMissing = await postgresAnswers();
if (postgresMissing)
  console.log(`  PostgreSQL skipped: nothing answers at ${redactedUrl(POSTGRES_URL)} (${postgresMissing})`);
else for (const count of INSTANCES) await postgresThroughput(count);

if (STORED > 0) {
  await queryLatency(freshSqlite());
  if (!postgresMissing) await queryLatency(freshPostgres());
}
console.log(`\n${loadLine()}`);
