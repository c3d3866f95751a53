import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { TaskStatusName } from "../src/index.js";
import {
  type DatabaseLocation,
  InvalidTransitionError,
  type OpenedDatabase,
  openDatabase,
} from "../src/index.js";
import { afterResolution } from "../src/scheduler/lifecycle.js";
import type { TaskRow } from "../src/store/rows.js";
import { TaskStore } from "../src/store/task-store.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

const opened: OpenedDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

async function open(location: DatabaseLocation): Promise<TaskStore> {
  const db = await openDatabase(location);
  opened.push(db);
  return new TaskStore(db.db, db.dialect);
}

const task = (id: string, status: TaskStatusName = "queued") => ({
  id: id.repeat(32),
  kind: "leaf",
  backend: "native",
  context: `{"kind":"${id}"}`,
  status,
  phase: "prove" as const,
});
async function insertOne(store: TaskStore, t: ReturnType<typeof task>): Promise<TaskRow> {
  const [inserted] = await store.insertMany([t], 1);
  return inserted!.row;
}
/** A receipt to store; its `version` is what a test may make unstorable. */
const receiptOf = (version: string) => ({
  proof: new Uint8Array([1, 2, 3]),
  publicValues: new Uint8Array([4]),
  metadata: { zkvm: "native" as const, programId: new Uint8Array(32), version, proofType: "core" as const },
});
const claimOf = (owner: string, now = 2) => ({ kinds: ["leaf"], limit: 10, owner, leaseMs: 1_000, now });
/**
 * The caller's present for lease calls: the claims' time. On PostgreSQL leases are kept in the
 * database's time, which a test cannot move: a lapse is asked for by a cut-off ahead of now.
 */
const NOW = 2;

/** A lease expiry `at` by the caller's clock at NOW: the database's time on PostgreSQL, give or take 5 s. */
const leaseAt = (dialect: string, at: number) =>
  dialect === "postgres" ? expect.closeTo(Date.now() + at - NOW, -4) : at;

describe.each(DIALECTS)("task store (%s)", (dialect) => {
  it("refuses a transition the lifecycle does not allow, before touching the database", async () => {
    const store = await open(await databaseFor(dialect));
    const row = await insertOne(store, task("a"));
    await expect(store.transition(row, "completed", {}, 2)).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(store.transition(row, "completed", {}, 2)).rejects.toThrow(
      /queued -> completed is not allowed/,
    );
    expect((await store.get(row.id))?.status).toBe("queued");
  });

  it("does nothing when the task changed since it was read (a stale view never wins)", async () => {
    const store = await open(await databaseFor(dialect));
    const row = await insertOne(store, task("a"));
    const claimed = await store.claim("prove", claimOf("i1"));
    expect(claimed.map((c) => c.row.status)).toEqual(["proving"]);
    expect(await store.transition(row, "cancelled", {}, 3)).toBeUndefined();
    expect((await store.get(row.id))?.status).toBe("proving");
  });

  it("claims a queued task once, however many claims race for it, recording owner, attempt and lease", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a")], 1);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.claim("prove", claimOf(`i${i}`))),
    );
    const won = claims.flat();
    expect(won).toHaveLength(1);
    expect(won[0]!.row).toMatchObject({
      status: "proving",
      attempt: 1,
      lease_expires_at: leaseAt(dialect, 1_002),
      claimed_at: 2,
    });
    expect(won[0]!.row.owner).toMatch(/^i\d$/);
  });

  it("refuses the finishing write of an owner whose lease was taken over: no second receipt", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a")], 1);
    const [first] = await store.claim("prove", claimOf("old"));
    // The old owner stops renewing; its lease lapses and another instance takes the task over.
    const [lapsed] = await store.lapsedLeases(5_000, NOW);
    await store.interrupt(lapsed!, { to: "queued", error: "lapsed" }, NOW, 5_000);
    const [second] = await store.claim("prove", claimOf("new", 5_001));
    expect(second!.row).toMatchObject({ attempt: 2, owner: "new", interruptions: 1, retry_count: 0 });
    expect(await store.storeProof(first!.row, receiptOf("1"), "completed", 5_002)).toBeUndefined();
    expect(await store.renewLeases("old", [first!.row.id], 9_000, NOW)).toEqual([]);
    expect(await store.storeProof(second!.row, receiptOf("1"), "completed", 5_003)).toHaveLength(1);
    expect(await store.receipt(first!.row.id)).toEqual(receiptOf("1"));
    expect(
      (await store.getWithAttempts(first!.row.id))!.attempts.map((a) => [a.attempt, a.instance, a.outcome]),
    ).toEqual([
      [1, "old", "interrupted"],
      [2, "new", "proven"],
    ]);
  });

  it("refuses a late write of an earlier attempt when the same instance claimed the task again", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a"), task("b")], 1);
    // Attempt 1 of each hangs past its lease; the same instance reaps them and claims them again.
    const first = (await store.claim("prove", claimOf("i"))).map((c) => c.row);
    for (const row of await store.lapsedLeases(5_000, NOW)) {
      await store.interrupt(row, { to: "queued", error: "lapsed" }, NOW, 5_000);
    }
    const second = (await store.claim("prove", claimOf("i", 5_001))).map((c) => c.row);
    expect(second.map((r) => [r.owner, r.attempt, r.status])).toEqual([
      ["i", 2, "proving"],
      ["i", 2, "proving"],
    ]);
    const [a1, b1] = first;
    // Same owner, same status, lease present: only the attempt tells the stale write apart.
    expect(await store.storeProof(a1!, receiptOf("1"), "completed", 5_002)).toBeUndefined();
    const failure = { to: "transient_failure" as const, retryCount: 1, nextAttemptAt: 9_000, error: "late" };
    expect(await store.failStep(b1!, failure, 5_002)).toBeUndefined();
    expect(await store.receipt(a1!.id)).toBeUndefined();
    for (const id of [a1!.id, b1!.id]) {
      expect(await store.get(id)).toMatchObject({
        status: "proving",
        owner: "i",
        attempt: 2,
        retry_count: 0,
      });
    }
  });

  it("gives each proof finished in the same turn its own outcome: stale or refused ones fail alone", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a"), task("b"), task("c"), task("d")], 1);
    const held = (await store.claim("prove", claimOf("i"))).map((c) => c.row);
    const [a, b, c, d] = held;
    // b's lease lapsed and was taken over: its late proof must store nothing.
    await store.interrupt(b!, { to: "queued", error: "lapsed" }, NOW, 5_000);
    // A NUL character is no text PostgreSQL stores (SQLite does): the one refused proof fails alone.
    const refusable = dialect === "postgres" ? "1\u0000" : "1";
    const outcomes = await Promise.allSettled([
      store.storeProof(a!, receiptOf("1"), "completed", 6_000),
      store.storeProof(b!, receiptOf("1"), "completed", 6_000),
      store.storeProof(c!, receiptOf(refusable), "completed", 6_000),
      store.storeProof(d!, receiptOf("1"), "publishing", 6_000),
    ]);
    expect(outcomes[0]).toMatchObject({ status: "fulfilled", value: [{ row: { status: "completed" } }] });
    expect(outcomes[1]).toEqual({ status: "fulfilled", value: undefined });
    expect(outcomes[2]!.status).toBe(dialect === "postgres" ? "rejected" : "fulfilled");
    expect(outcomes[3]).toMatchObject({ status: "fulfilled", value: [{ row: { status: "publishing" } }] });
    expect(await store.receipt(a!.id)).toEqual(receiptOf("1"));
    expect(await store.receipt(b!.id)).toBeUndefined();
    expect(await store.receipt(d!.id)).toEqual(receiptOf("1"));
    expect(
      (await store.getWithAttempts(d!.id))!.attempts.map((x) => [x.attempt, x.outcome, x.endedAt]),
    ).toEqual([[1, "proven", 6_000]]);
    expect((await store.get(b!.id))?.status).toBe("queued");
    if (dialect === "postgres") expect((await store.get(c!.id))?.status).toBe("proving");
  });

  it("leaves a live lease alone when reaping: only lapsed ones are taken over", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a"), task("b"), task("c")], 1);
    await store.claim("prove", { ...claimOf("alive"), limit: 2 });
    await store.claim("prove", { ...claimOf("dead"), limit: 1, leaseMs: 10 });
    // "alive" works on a only: b, held in its name by a claim whose answer it never saw, lapses.
    expect((await store.renewLeases("alive", ["a".repeat(32)], 10_000, NOW)).map((r) => r.id)).toEqual([
      "a".repeat(32),
    ]);
    const lapsed = await store.lapsedLeases(5_000, NOW);
    expect(lapsed.map((r) => [r.id[0], r.owner])).toEqual([
      ["b", "alive"],
      ["c", "dead"],
    ]);
  });

  it("leaves a task to its owner when it renewed between the reaper's read and its takeover", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([task("a")], 1);
    await store.claim("prove", claimOf("slow"));
    const [lapsed] = await store.lapsedLeases(5_000, NOW);
    // The owner was only slow: its renewal lands before the reaper acts on what it read.
    expect(await store.renewLeases("slow", [lapsed!.id], 20_000, NOW)).toHaveLength(1);
    expect(await store.interrupt(lapsed!, { to: "queued", error: "lapsed" }, NOW, 5_000)).toEqual([]);
    expect(await store.get(lapsed!.id)).toMatchObject({
      status: "proving",
      owner: "slow",
      attempt: 1,
      interruptions: 0,
      lease_expires_at: leaseAt(dialect, 20_000),
    });
  });

  it("keeps task counts in the database, through inserts, transitions and deletes", async () => {
    const db = await openDatabase(await databaseFor(dialect));
    opened.push(db);
    const store = new TaskStore(db.db, db.dialect);
    const scanned = async () => {
      const rows = await db.db
        .selectFrom("tasks")
        .select(["kind", "backend", "status", (eb) => eb.fn.countAll<number>().as("count")])
        .groupBy(["kind", "backend", "status"])
        .execute();
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    };
    await store.insertMany([task("a"), task("b"), task("c"), { ...task("d"), kind: "other" }], 1);
    await store.claim("prove", { ...claimOf("i"), kinds: ["leaf", "other"], limit: 3 });
    expect(await store.counts()).toEqual(
      expect.arrayContaining([
        { kind: "leaf", backend: "native", status: "proving", count: 3 },
        { kind: "other", backend: "native", status: "queued", count: 1 },
      ]),
    );
    expect(await store.counts()).toHaveLength(2);
    // A statement that changes no status (a lease renewal) changes no count.
    const held = (await db.db.selectFrom("tasks").select("id").where("owner", "=", "i").execute()).map(
      (r) => r.id,
    );
    expect(await store.renewLeases("i", held, 5_000, NOW)).toHaveLength(3);
    expect(await store.counts()).toHaveLength(2);
    await db.db.deleteFrom("tasks").where("status", "=", "proving").execute();
    expect(await store.counts()).toEqual(await scanned());
    expect(await store.counts()).toEqual([{ kind: "other", backend: "native", status: "queued", count: 1 }]);
  });

  it("resolves a task as the lifecycle decides, fenced like any finish", async () => {
    const store = await open(await databaseFor(dialect));
    await store.insertMany([{ ...task("p", "pending"), phase: "resolve" }, task("d", "completed")], 1);
    const [held] = await store.claim("resolve", claimOf("i"));
    expect(held!.row.status).toBe("pending");
    const changes = await store.recordResolution(
      held!.row,
      ["d".repeat(32)],
      (deps) => afterResolution(deps),
      3,
    );
    expect(changes?.map((c) => c.row.status)).toEqual(["queued"]);
    // A stale resolver (same claim, already finished) writes nothing.
    expect(await store.recordResolution(held!.row, [], (deps) => afterResolution(deps), 4)).toBeUndefined();
  });

  it("resolves again, rather than decide, when a linked dependency was pruned meanwhile", async () => {
    const store = await open(await databaseFor(dialect));
    const { db } = opened.at(-1)!;
    await store.insertMany([{ ...task("p", "pending"), phase: "resolve" }], 1);
    const [held] = await store.claim("resolve", claimOf("i"));
    await store.insertDependencies(held!.row, [task("d", "completed"), task("e", "completed")], 3);
    // Another instance's prune deletes d (finished, and linked only by now) before the decision.
    await db.deleteFrom("tasks").where("id", "=", "d".repeat(32)).execute();
    await expect(
      store.recordResolution(held!.row, ["d".repeat(32), "e".repeat(32)], afterResolution, 4),
    ).rejects.toMatchObject({
      code: "TRANSIENT_FAILURE",
      message: `dependencies ${"d".repeat(32)} were pruned while this task was resolved; resolving again`,
    });
    expect((await store.get("p".repeat(32)))?.status).toBe("pending");
  });

  it("stores a held task's dependencies and links them in one commit, in their order, or not at all", async () => {
    const store = await open(await databaseFor(dialect));
    const { db } = opened.at(-1)!;
    const id = (name: string) => name.repeat(32);
    const edges = async () =>
      (await db.selectFrom("task_deps").selectAll().orderBy("position").execute()).map(
        (e) => `${e.task_id[0]}→${e.dep_id[0]}@${e.position}`,
      );
    await store.insertMany([{ ...task("p", "pending"), phase: "resolve" }, task("d", "completed")], 1);
    const [held] = await store.claim("resolve", claimOf("i"));
    const first = await store.insertDependencies(
      held!.row,
      [task("e"), task("d", "completed"), task("e")],
      3,
    );
    // `e` given twice was created once: only its first occurrence says so.
    expect(first?.map((s) => s.created)).toEqual([true, false, false]);
    expect(await edges()).toEqual(["p→e@0", "p→d@1"]);
    // A resolution that runs again (an earlier one abandoned by a lost lease or a crash) and finds
    // another list replaces the links: the task never waits on work it no longer needs.
    await store.insertDependencies(held!.row, [task("d", "completed"), task("g")], 4);
    expect(await edges()).toEqual(["p→d@0", "p→g@1"]);
    // If the links cannot be written, the dependencies are not stored either.
    await sql`alter table task_deps rename to task_deps_away`.execute(db);
    await expect(store.insertDependencies(held!.row, [task("h")], 5)).rejects.toThrow();
    await sql`alter table task_deps_away rename to task_deps`.execute(db);
    expect(await store.get(id("h"))).toBeUndefined();
    const resolved = await store.recordResolution(held!.row, [id("d"), id("g")], afterResolution, 6);
    expect(resolved?.map((c) => c.row.status)).toEqual(["blocked"]);
    // An owner that no longer holds the task (here: its resolution finished) stores nothing.
    expect(await store.insertDependencies(held!.row, [task("f")], 7)).toBeUndefined();
    expect(await store.get(id("f"))).toBeUndefined();
    expect(await edges()).toEqual(["p→d@0", "p→g@1"]);
  });
});

describe.each(DIALECTS)("sweep of blocked tasks at start (%s)", (dialect) => {
  it("queues a task whose dependencies all completed, and fails one whose dependency failed, naming it", async () => {
    const location = await databaseFor(dialect);
    const store = await open(location);
    await store.insertMany(
      [task("a", "completed"), task("b", "permanent_failure"), task("c", "blocked"), task("d", "blocked")],
      1,
    );
    const raw = opened.at(-1)!.db;
    await raw
      .insertInto("task_deps")
      .values([
        { task_id: "c".repeat(32), dep_id: "a".repeat(32), position: 0 },
        { task_id: "d".repeat(32), dep_id: "a".repeat(32), position: 0 },
        { task_id: "d".repeat(32), dep_id: "b".repeat(32), position: 1 },
      ])
      .execute();
    const changes = await store.sweepBlocked(2);
    expect(changes.map((c) => [c.row.id[0], c.row.status])).toEqual([
      ["c", "queued"],
      ["d", "permanent_failure"],
    ]);
    expect((await store.get("d".repeat(32)))?.error).toMatch(/^dependency leaf b{32} \{"kind":"b"\} failed/);
  });
});
