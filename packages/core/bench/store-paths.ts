/**
 * Every store read and write an operator's action or the prover's background work runs, timed
 * (p50) with 100k tasks stored (store-fill.ts), and the plan of each statement it sent. Prints
 * numbers, asserts nothing.
 *
 *   npx tsx --conditions=@paas/source bench/store-paths.ts sqlite|postgres [only-regexp] [--plans] [--keep]
 *
 * PostgreSQL: PAAS_BENCH_POSTGRES_URL (default the test database), a fresh schema `q_<random>`,
 * analysed after the fill (as autovacuum would) and dropped at the end. SQLite: a file in a temp
 * directory, never analysed (the application does not run ANALYZE).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { sql } from "kysely";
import pg from "pg";
import { RESTARTABLE } from "../src/scheduler/lifecycle.js";
import { ClusterStore } from "../src/store/cluster-store.js";
import { openDatabase } from "../src/store/open-database.js";
import { OperatorStore } from "../src/store/operator-store.js";
import { TaskStore } from "../src/store/task-store.js";
import { POSTGRES_URL } from "./databases.js";
import { loadLine } from "./report.js";
import { fill, KINDS, RARE_BACKEND } from "./store-fill.js";

const engine = process.argv[2] === "postgres" ? "postgres" : "sqlite";
const only = process.argv[3] && !process.argv[3].startsWith("--") ? new RegExp(process.argv[3]) : undefined;
const showPlans = process.argv.includes("--plans");
const TOTAL = Number(process.env.BENCH_STORED ?? 100_000);

// ── statement capture ─────────────────────────────────────────────────────────────────────────
let captured: { sql: string; params: unknown[] }[] | undefined;
function capture(text: string, params: unknown[]) {
  if (captured && !/^\s*(begin|commit|rollback|savepoint|release)/i.test(text))
    captured.push({ sql: text, params });
}
{
  const probe = new SqliteDatabase(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, unknown>;
  probe.close();
  for (const method of ["all", "run", "get", "iterate"]) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      capture(this.source, args);
      return original.apply(this, args);
    };
  }
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (
    this: pg.Client,
    config: unknown,
    values?: unknown,
    ...rest: unknown[]
  ) {
    const text = typeof config === "string" ? config : String((config as { text?: string })?.text);
    const params = (Array.isArray(values) ? values : (config as { values?: unknown[] })?.values) ?? [];
    capture(text, params);
    return query.call(this, config, values, ...rest);
  } as typeof pg.Client.prototype.query;
}

// ── the database ──────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(path.join(tmpdir(), "paas-q-"));
const file = path.join(dir, "paas.sqlite");
const schema = `q_${randomBytes(4).toString("hex")}`;
const location = engine === "postgres" ? { url: POSTGRES_URL, schema } : { path: file };
const opened = await openDatabase(location);
const { db, dialect } = opened;
const store = new TaskStore(db, dialect);
const operator = new OperatorStore(db, dialect, engine === "sqlite" ? { file } : {});
const cluster = new ClusterStore(db, dialect);

let explainer: (text: string, params: unknown[]) => Promise<string>;
let closeExplainer = async () => {};
if (engine === "postgres") {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  explainer = async (text, params) => {
    await client.query("begin");
    try {
      const { rows } = await client.query(
        `explain (analyze, buffers, costs off) ${text}`,
        params as unknown[],
      );
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.query("rollback");
    }
  };
  closeExplainer = () => client.end();
} else {
  explainer = async (text, params) => {
    const raw = new SqliteDatabase(file, { readonly: true });
    try {
      const rows = raw.prepare(`explain query plan ${text}`).all(...(params as unknown[])) as {
        detail: string;
      }[];
      return rows.map((r) => `  ${r.detail}`).join("\n");
    } finally {
      raw.close();
    }
  };
}

const started = performance.now();
const filled = await fill(db, TOTAL);
if (engine === "postgres") await sql`analyze`.execute(db);
const { now, ids, checkpointIds, owner } = filled;
console.log(
  `${loadLine()}\n${engine}: ${ids.length} tasks filled in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
const counts = await store.counts();
const byStatus: Record<string, number> = {};
for (const c of counts) byStatus[c.status] = (byStatus[c.status] ?? 0) + c.count;
console.log(`  ${JSON.stringify(byStatus)}`);

const randomOf = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const recentCheckpoint = () => checkpointIds[checkpointIds.length - 1 - Math.floor(Math.random() * 10)]!;

async function time(label: string, runs: number, op: () => Promise<unknown>): Promise<number> {
  if (only && !only.test(label)) return 0;
  captured = [];
  await op(); // warm, and what its statements are
  const statements = captured;
  captured = undefined;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length / 2)]!;
  const flag = p50 > 20 ? "  <<< SLOW" : p50 > 5 ? "  <" : "";
  console.log(
    `  ${label.padEnd(60)} p50 ${p50.toFixed(2).padStart(9)} ms  (${runs} runs, ${statements.length} stmts)${flag}`,
  );
  if (showPlans || p50 > 5) {
    const seen = new Set<string>();
    for (const s of statements) {
      if (seen.has(s.sql)) continue;
      seen.add(s.sql);
      if (/^\s*(vacuum|pragma|analyze)/i.test(s.sql)) continue;
      console.log(`    SQL: ${s.sql.replace(/\s+/g, " ").slice(0, 400)}`);
      try {
        console.log((await explainer(s.sql, s.params)).replace(/^/gm, "      "));
      } catch (error) {
        console.log(`      (explain failed: ${(error as Error).message})`);
      }
    }
  }
  return p50;
}

try {
  console.log("\nreads");
  await time("get(random)", 50, () => store.get(randomOf(ids)));
  await time("getWithAttempts(random)  [paas_getTaskStatus]", 50, () => store.getWithAttempts(randomOf(ids)));
  await time("receipt(random)  [paas_getProof]", 50, () => store.receipt(randomOf(ids)));
  await time("counts()  [summary, report, overview]", 50, () => store.counts());
  await time("list({})", 20, () => store.list({}, now));
  await time("list({status: completed})", 20, () => store.list({ status: "completed" }, now));
  await time("list({status: queued})", 20, () => store.list({ status: "queued" }, now));
  await time("list({status: permanent_failure})", 20, () => store.list({ status: "permanent_failure" }, now));
  await time("list({kind: checkpoint})", 20, () => store.list({ kind: KINDS.checkpoint }, now));
  await time("list({kind: checkpoint, status: blocked})", 20, () =>
    store.list({ kind: KINDS.checkpoint, status: "blocked" }, now),
  );
  await time("list({backend: sp1})", 20, () => store.list({ backend: "sp1" }, now));
  await time(`list({backend: ${RARE_BACKEND}})`, 10, () => store.list({ backend: RARE_BACKEND }, now));
  await time(`list({kind: evm, backend: ${RARE_BACKEND}})`, 10, () =>
    store.list({ kind: KINDS.evm, backend: RARE_BACKEND }, now),
  );
  await time(`list({status: completed, backend: ${RARE_BACKEND}})`, 10, () =>
    store.list({ status: "completed", backend: RARE_BACKEND }, now),
  );
  await time(`list({status: queued, backend: ${RARE_BACKEND}})`, 10, () =>
    store.list({ status: "queued", backend: RARE_BACKEND }, now),
  );
  await time("list({olderThanMs: 7d})", 10, () => store.list({ olderThanMs: 7 * 86_400_000 }, now));
  await time("list({olderThanMs: 60d}) (matches none)", 5, () =>
    store.list({ olderThanMs: 60 * 86_400_000 }, now),
  );
  await time("list({kind: evm, limit 1000}) 5 pages via cursor", 5, async () => {
    let page = await store.list({ kind: KINDS.evm, limit: 1000 }, now);
    for (let k = 0; k < 4 && page.nextCursor; k++)
      page = await store.list({ kind: KINDS.evm, limit: 1000, cursor: page.nextCursor }, now);
  });
  await time("list({status: completed}) page at cursor seq 90000", 10, () =>
    store.list({ status: "completed", cursor: Buffer.from("seq:90000").toString("base64url") }, now),
  );
  await time("graph(recent checkpoint)  [task page, overview x10]", 30, () =>
    operator.graph(recentCheckpoint()),
  );
  await time("graph(random)", 30, () => operator.graph(randomOf(ids)));
  await time("dependencyReceipts(recent checkpoint)", 30, () => store.dependencyReceipts(recentCheckpoint()));
  await time("dependencyCount(recent checkpoint)", 30, () => store.dependencyCount(recentCheckpoint()));
  await time("finishedAmong(200 ids)  [wait poll]", 20, () => store.finishedAmong(ids.slice(-200)));

  console.log("\nbackground");
  await time("nextRetryAt()  [retry timer]", 30, () => store.nextRetryAt());
  await time("promoteDueRetries(now) (none due)  [retry timer]", 20, () => store.promoteDueRetries(now));
  await time("lapsedLeases(now)  [lease sweep]", 30, () => store.lapsedLeases(now, now));
  await time("lapsedLeases(undefined)  [start]", 10, () => store.lapsedLeases(undefined, now));
  await time("sweepBlocked(now)  [every 10 heartbeats]", 10, () => store.sweepBlocked(now));
  await time("cluster.heartbeat", 30, () =>
    cluster.heartbeat({ id: owner, host: "h", pid: 1, role: "prover", startedAt: now }, now, 30_000),
  );
  await time("cluster.live(since)  [overview, instances]", 30, () => cluster.live(now, 30_000));
  await time("cluster.foldCountShards", 10, () => cluster.foldCountShards());
  /** A claim of 8 by an instance of its own, given back at once (the claimed rows stay as they were). */
  const claimAndRelease = async (step: "prove" | "publish", kinds: string[], backends?: string[]) => {
    await store.claim(step, {
      kinds,
      ...(backends !== undefined && { backends }),
      limit: 8,
      owner: "claimer",
      leaseMs: 30_000,
      now,
    });
    await store.releaseHeld("claimer", now);
  };
  await time("claim(prove, 3 kinds, sp1, 8) + releaseHeld", 20, () =>
    claimAndRelease("prove", Object.values(KINDS), ["sp1"]),
  );
  await time(`claim(prove, 3 kinds, ${RARE_BACKEND}, 8) + releaseHeld`, 20, () =>
    claimAndRelease("prove", Object.values(KINDS), [RARE_BACKEND]),
  );
  await time("claim(publish, checkpoint, 8) + releaseHeld", 20, () =>
    claimAndRelease("publish", [KINDS.checkpoint]),
  );
  await time("renewLeases(owner, 8 ids)", 20, async () => {
    const held = await store.lapsedLeases(undefined, now);
    await store.renewLeases(
      owner,
      held.slice(0, 8).map((r) => r.id),
      now + 30_000,
      now,
    );
  });

  console.log("\nbulk (operator)");
  const pages = async (
    filter: Parameters<OperatorStore["matching"]>[0],
    statuses: Parameters<OperatorStore["matching"]>[1],
  ) => {
    let n = 0;
    let worst = 0;
    let t = performance.now();
    for await (const page of operator.matching(filter, statuses, now)) {
      worst = Math.max(worst, performance.now() - t);
      n += page.length;
      t = performance.now();
    }
    return { n, worst };
  };
  for (const [label, filter, statuses] of [
    ["retry {status: permanent_failure}", { status: "permanent_failure" }, ["permanent_failure"]],
    ["retry {kind: evm}", { kind: KINDS.evm }, RESTARTABLE],
    ["retry {olderThanMs: 0}", { olderThanMs: 0 }, RESTARTABLE],
    [
      "cancel {olderThanMs: 0}",
      { olderThanMs: 0 },
      ["pending", "blocked", "queued", "proving", "publishing", "transient_failure"],
    ],
    [
      "cancel {backend: sp1}",
      { backend: "sp1" },
      ["pending", "blocked", "queued", "proving", "publishing", "transient_failure"],
    ],
  ] as const) {
    let result = { n: 0, worst: 0 };
    const p50 = await time(`matching ${label} (all pages)`, 3, async () => {
      result = await pages(filter, statuses as never);
    });
    if (p50) console.log(`      ${result.n} rows; slowest page ${result.worst.toFixed(2)} ms`);
  }

  if (!only || only.test("prune")) {
    console.log("\nprune (deletes!): olderThanMs 7 days, deleteReceipts");
    // A writer beside it: a lease renewal every 5 ms, as the prover's heartbeats and claims are.
    let maxWait = 0;
    let writes = 0;
    let stop = false;
    const held = (await store.lapsedLeases(undefined, now)).slice(0, 8).map((r) => r.id);
    const writer = (async () => {
      while (!stop) {
        const t = performance.now();
        await store.renewLeases(owner, held, now + 30_000, now);
        maxWait = Math.max(maxWait, performance.now() - t);
        writes++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const rss = process.memoryUsage().rss;
    const t = performance.now();
    const result = await operator.prune({ olderThanMs: 7 * 86_400_000, deleteReceipts: true }, now);
    const ms = performance.now() - t;
    stop = true;
    await writer;
    console.log(
      `  prune: ${result.tasks} tasks (${result.receiptsDeleted} receipts), ${ms.toFixed(0)} ms in all; longest wait of a lease renewal meanwhile ${maxWait.toFixed(0)} ms (${writes} renewals); rss +${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB`,
    );
    if (engine === "sqlite") {
      const t2 = performance.now();
      await sql`vacuum`.execute(db);
      console.log(`  (of which SQLite's VACUUM, run again alone: ${(performance.now() - t2).toFixed(0)} ms)`);
    }
  }
} finally {
  await closeExplainer();
  await opened.close();
  if (engine === "postgres" && !process.argv.includes("--keep")) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
  if (existsSync(dir) && !process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${file}`);
}
