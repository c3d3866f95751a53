/**
 * Where a no-op task's time goes: every statement the service sends, counted per task, with what
 * it costs (SQLite: CPU time inside the statement; PostgreSQL: the round trip). Prints numbers,
 * asserts nothing. Not part of `core:bench`: the counting itself slows the run down.
 *
 *   npx tsx --conditions=@paas/source bench/statements.ts             (in packages/core; BENCH_TASKS=5000 by default)
 */
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { type BenchDatabase, freshPostgres, freshSqlite, postgresAnswers } from "./databases.js";
import { launchNoop, submitNoops } from "./noop.js";
import { loadLine } from "./report.js";

const TASKS = Number(process.env.BENCH_TASKS ?? 5_000);

interface Tally {
  count: number;
  micros: number;
}
const tallies = new Map<string, Tally>();

/** One line per statement shape: the start of its SQL, multi-row VALUES folded. */
function shape(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .replace(/\((?:\?|\$\d+)(?:, (?:\?|\$\d+))*\)(?:, \((?:\?|\$\d+)(?:, (?:\?|\$\d+))*\))+/g, "(…rows…)")
    .slice(0, 90);
}

function tally(sql: string, micros: number): void {
  const t = tallies.get(shape(sql)) ?? { count: 0, micros: 0 };
  t.count++;
  t.micros += micros;
  tallies.set(shape(sql), t);
}

/** better-sqlite3 runs statements synchronously: their CPU time is what SQLite spent. */
function countSqlite(): void {
  const probe = new SqliteDatabase(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, unknown>;
  probe.close();
  for (const method of ["all", "run", "get"]) {
    const original = statement[method] as (...args: unknown[]) => unknown;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      const before = process.cpuUsage();
      try {
        return original.apply(this, args);
      } finally {
        const used = process.cpuUsage(before);
        tally(this.source, used.user + used.system);
      }
    };
  }
}

/** pg sends one statement per round trip: its wall time is the round trip. */
function countPostgres(): void {
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    const sql = typeof config === "string" ? config : String((config as { text?: string })?.text);
    const started = performance.now();
    const result = original.call(this, config, ...rest);
    const done = () => tally(sql, (performance.now() - started) * 1_000);
    if (result instanceof Promise) result.then(done, done);
    return result;
  } as typeof pg.Client.prototype.query;
}

async function profile(database: BenchDatabase, cost: string): Promise<void> {
  const service = await launchNoop(database.location, 8);
  try {
    let completed = 0;
    const done = new Promise<void>((resolve) =>
      service.onTransition((t) => {
        if (t.to === "completed" && ++completed === TASKS) resolve();
      }),
    );
    tallies.clear();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await submitNoops(service, TASKS, 1_000);
    await done;
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    console.log(`\n${database.label}, ${TASKS.toLocaleString("en-US")} tasks, concurrency 8 (${cost})`);
    let statements = 0;
    for (const [sql, t] of [...tallies].sort((a, b) => b[1].micros - a[1].micros)) {
      statements += t.count;
      const perTask = (t.count / TASKS).toFixed(3).padStart(6);
      console.log(`  ${perTask}/task ${(t.micros / TASKS).toFixed(1).padStart(7)} µs/task   ${sql}`);
    }
    const perTask = (ms: number) => `${Math.round((ms * 1_000) / TASKS)} µs`;
    console.log(
      `  ${(statements / TASKS).toFixed(2)} statements per task; per task ${perTask(wall)} wall, ` +
        `${perTask((used.user + used.system) / 1_000)} CPU of this process`,
    );
  } finally {
    await service.close();
    await database.dispose();
  }
}

console.log(loadLine());
countSqlite();
await profile(freshSqlite(), "CPU inside each statement");
if ((await postgresAnswers()) === undefined) {
  countPostgres();
  await profile(freshPostgres(), "round trip of each statement");
}
