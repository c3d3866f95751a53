/**
 * How long a prune of 100k tasks (store-fill.ts, all but the newest day prunable) holds the event
 * loop at once on SQLite, where every statement runs on the main thread: the longest stall
 * (monitorEventLoopDelay's max), the longest statement and the prune's total time; and the same,
 * timed alone before it, for the read of its candidates (one statement of 0.22–0.40 s before it was
 * read a slice at a time). Prints numbers, asserts nothing.
 *
 *   npx tsx --conditions=@paas/source bench/prune-stall.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import SqliteDatabase from "better-sqlite3";
import { openDatabase } from "../src/store/open-database.js";
import { OperatorStore, prunable } from "../src/store/operator-store.js";
import { loadLine } from "./report.js";
import { fill } from "./store-fill.js";

// Every statement's own time, to name the one that stalls.
let longest = { ms: 0, sql: "" };
const statement = Object.getPrototypeOf(new SqliteDatabase(":memory:").prepare("select 1")) as Record<
  string,
  (...args: unknown[]) => unknown
>;
for (const name of ["all", "run", "get", "iterate"] as const) {
  const original = statement[name]!;
  statement[name] = function (this: { source: string }, ...args: unknown[]) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const ms = performance.now() - started;
      if (ms > longest.ms) longest = { ms, sql: this.source };
    }
  };
}

/** The longest event-loop stall from now until `end()`, in ms. */
async function stalls(): Promise<{ end(): Promise<number> }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The timer's first turn is what measures the first statement: one enabled in the same turn missed most of it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    // After the timer's next turn: a statement that ran in this one is not measured until then.
    async end() {
      await new Promise((resolve) => setTimeout(resolve, 20));
      delay.disable();
      return delay.max / 1e6;
    },
  };
}

const TOTAL = Number(process.env.BENCH_STORED ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), "paas-prune-"));
const file = path.join(dir, "paas.sqlite");
try {
  const opened = await openDatabase({ path: file });
  const { now } = await fill(opened.db, TOTAL);
  await opened.close();

  const reopened = await openDatabase({ path: file });
  const cutoff = now - 86_400_000;
  const readDelay = await stalls();
  longest = { ms: 0, sql: "" };
  const read = performance.now();
  const all = await prunable(reopened.db, reopened.dialect, cutoff);
  const readMs = performance.now() - read;
  const readStall = await readDelay.end();
  const readLongest = longest;
  const operator = new OperatorStore(reopened.db, reopened.dialect, { file });
  const delay = await stalls();
  longest = { ms: 0, sql: "" };
  const started = performance.now();
  const result = await operator.prune({ olderThanMs: 86_400_000, deleteReceipts: true }, now);
  const total = performance.now() - started;
  const stall = await delay.end();
  await reopened.close();
  console.log(loadLine());
  console.log(`pruned ${result.tasks} of ${TOTAL} tasks in ${total.toFixed(0)} ms`);
  console.log(`longest event-loop stall ${stall.toFixed(1)} ms`);
  console.log(`longest statement ${longest.ms.toFixed(1)} ms: ${longest.sql.slice(0, 200)}`);
  console.log(
    `the candidates (${all.length}) read alone before it in ${readMs.toFixed(0)} ms: longest stall ${readStall.toFixed(1)} ms, ` +
      `longest statement ${readLongest.ms.toFixed(1)} ms: ${readLongest.sql.slice(0, 200)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
