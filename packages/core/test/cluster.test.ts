import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { ManualClock, openDatabase, type ProverService, systemClock } from "../src/index.js";
import { TaskStore } from "../src/store/task-store.js";
import { leaf, node, published, type StartedService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { TestScript } from "./fixtures/test-plugins.js";
import { databaseFor, lockedRow, otherSession, postgres } from "./support/dialects.js";
import { start, until } from "./support/services.js";

/**
 * `b`, polling once a minute, proves at once what `a` submits and does not take. The first task
 * may reach it through the wake-up its listener gives once it has connected; the second only by a
 * notification.
 */
async function expectWokenFor(a: StartedService, b: StartedService): Promise<void> {
  for (const index of [9, 10]) {
    const { task } = await a.service.submit(leaf(index), "native");
    expect((await b.service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
  }
}

const renew = TaskStore.prototype.renewLeases;
/** What is left of a dead leader's service lease when the instance that takes over starts. */
const DEAD_LEADER_LEASE_LEFT_MS = 2_000;

/**
 * `owner`'s lease renewals land nowhere, though it takes them as made: it holds on to its tasks as
 * an instance does whose renewals hang or go astray, and its leases lapse for the others. (Leases
 * are kept in the database's time: an instance's own clock, frozen or not, no longer lapses them.)
 * Renewals of the others go to `others`.
 */
function renewalsLost(
  owner: string,
  others: (
    store: TaskStore,
    ...args: Parameters<TaskStore["renewLeases"]>
  ) => ReturnType<TaskStore["renewLeases"]> = (store, ...args) => renew.apply(store, args),
) {
  return vi.spyOn(TaskStore.prototype, "renewLeases").mockImplementation(async function (
    this: TaskStore,
    ...args
  ) {
    if (args[0] !== owner) return others(this, ...args);
    const rows = await Promise.all(args[1].map((id) => this.get(id)));
    return rows.flatMap((row) =>
      row?.owner === owner && row.lease_expires_at !== null ? [{ id: row.id, attempt: row.attempt }] : [],
    );
  });
}
describe.runIf(postgres.url !== undefined)("several instances on one PostgreSQL database", () => {
  it("proves each of 2,000 tasks of a dependency DAG once and publishes each once, across three instances", async () => {
    const database = await databaseFor("postgres");
    const script = new TestScript();
    // 1,200 leaves, 600 nodes on three leaves each (shared between nodes), 200 published tasks.
    for (let n = 0; n < 600; n++)
      script.graph.set(n, [leaf((n * 7) % 1200), leaf((n * 7 + 1) % 1200), leaf((n * 13 + 5) % 1200)]);
    const instances = await Promise.all(
      ["a", "b", "c"].map((id) =>
        start(database, { script, concurrency: 4, scheduling: { instanceId: id, pollIntervalMs: 500 } }),
      ),
    );
    const contexts = [
      ...Array.from({ length: 1200 }, (_, i) => leaf(i)),
      ...Array.from({ length: 600 }, (_, i) => node(i)),
      ...Array.from({ length: 200 }, (_, i) => published(i)),
    ];
    // Every instance submits every third context, all at once: submissions contend too.
    const results = await Promise.all(
      instances.map((s, k) =>
        s.service.submitMany(
          contexts.filter((_, i) => i % 3 === k),
          "native",
        ),
      ),
    );
    const ids = results.flat().map((r) => r.task.id);
    expect(new Set(ids).size).toBe(2000);
    const { service } = instances[0]!;
    const progress = setInterval(
      async () => console.log(JSON.stringify((await service.summary()).byStatus)),
      2000,
    );
    const done = await Promise.all(ids.map((id) => service.wait(id, { timeoutMs: 120_000 })));
    clearInterval(progress);
    expect(done.every((t) => t.status === "completed")).toBe(true);

    const proven = instances.flatMap((s) => s.host.proveCalls.map((c) => JSON.stringify(c)));
    expect(proven).toHaveLength(2000);
    expect(new Set(proven).size).toBe(2000);
    expect(script.published).toHaveLength(200);
    expect(new Set(script.published).size).toBe(200);
    // Work really was shared, and every instance agrees on the counts.
    expect(instances.filter((s) => s.host.proveCalls.length > 0).length).toBeGreaterThan(1);
    const summaries = await Promise.all(instances.map((s) => s.service.summary()));
    for (const summary of summaries) expect(summary.byStatus.completed).toBe(2000);
    expect(summaries[0]!.total).toBe(2000);
  }, 180_000);

  it("takes over a task from an owner that stopped renewing, refuses that owner's late result, and keeps counts", async () => {
    const database = await databaseFor("postgres");
    // A's renewals are lost, so every lease it holds lapses for B: A looks hung. Its clock is
    // frozen far in the past, to pass its retry's backoff at the test's word.
    const frozen = new ManualClock(1_000_000);
    const slow = new TestHost("native", 1);
    const releaseSlow = slow.hold();
    const lost = renewalsLost("a");
    onTestFinished(() => lost.mockRestore());
    const a = await start(database, {
      host: slow,
      clock: frozen,
      scheduling: { instanceId: "a", leaseMs: 300 },
    });
    a.script.fetchFailures.set(1, ["transient"]);
    const { task } = await a.service.submit(leaf(1), "native");
    // The first attempt fails; once A's clock passes the backoff, A claims it again and holds it.
    await until(() => frozen.nextTimerAt() !== undefined, "A to schedule the retry");
    frozen.advance(1_000);
    await until(() => slow.active === 1, "A to hold the proof");
    expect((await a.service.status(task.id)).retryCount).toBe(1);

    // A keeps claiming what B takes back (it believes its leases renewed): allow B to reap often.
    const b = await start(database, {
      scheduling: { instanceId: "b", leaseMs: 300, maxInterruptions: 1_000 },
    });
    const done = await b.service.wait(task.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: "completed", retryCount: 0 });
    expect(done.interruptions).toBeGreaterThanOrEqual(1);
    // A's heartbeat finds the lease gone and stops its attempt; had it finished, the write is fenced.
    await until(() => slow.aborted >= 1, "A's attempt to be aborted");
    releaseSlow();
    expect(a.logs.some((l) => l.level === "warn" && /lease lost/.test(l.message))).toBe(true);
    expect(b.host.proveCalls).toHaveLength(1);
    // The history tells the story: A failed once and was interrupted (a frozen A may even claim it
    // again and be interrupted again); B proved it, and nobody else did.
    const history = (await b.service.history(task.id)).map((h) => `${h.instance} ${h.outcome}`);
    expect(history.slice(0, 2)).toEqual(["a transient_failure", "a interrupted"]);
    expect(history.at(-1)).toBe("b proven");
    expect(history.filter((h) => h.endsWith("proven"))).toHaveLength(1);
  });

  it("refuses the late proof of an owner whose renewals hang, while the instance that took the task over proves it", async () => {
    const database = await databaseFor("postgres");
    // A's renewals hang: it never learns its lease lapsed, so nothing stops its proof, and its late
    // result reaches the database. (When A sees the loss, its attempt is aborted first and the
    // fenced write is never tried: the test above passed with the fence gone.)
    let unhang = () => {};
    const hung = new Promise<void>((resolve) => {
      unhang = resolve;
    });
    const hang = vi.spyOn(TaskStore.prototype, "renewLeases").mockImplementation(async function (
      this: TaskStore,
      ...args
    ) {
      if (args[0] === "a") await hung;
      return renew.apply(this, args);
    });
    onTestFinished(() => hang.mockRestore());
    const slowA = new TestHost("native", 1);
    const releaseA = slowA.hold();
    const a = await start(database, { host: slowA, scheduling: { instanceId: "a", leaseMs: 300 } });
    const { task } = await a.service.submit(leaf(1), "native");
    await until(() => slowA.active === 1, "A to hold the proof");
    // A claims nothing more: claiming the task again once B's takeover queued it, A aborted its
    // first attempt itself, and its late proof never reached the database.
    const claim = TaskStore.prototype.claim;
    const noMoreClaims = vi.spyOn(TaskStore.prototype, "claim").mockImplementation(function (
      this: TaskStore,
      ...args
    ) {
      return args[1].owner === "a" ? Promise.resolve([]) : claim.apply(this, args);
    });
    onTestFinished(() => noMoreClaims.mockRestore());
    const slowB = new TestHost("native", 1);
    const releaseB = slowB.hold();
    const b = await start(database, { host: slowB, scheduling: { instanceId: "b", leaseMs: 1_000 } });
    await until(() => slowB.active === 1, "B to take the task over and hold its proof");

    releaseA();
    try {
      await until(
        () => a.logs.some((l) => l.level === "warn" && /^lease lost/.test(l.message)),
        "A's late proof to be refused",
      );
    } finally {
      // A's close waits for its heartbeat.
      unhang();
    }
    // Still B's: A's write neither completed the task nor took it from B.
    expect(await b.service.status(task.id)).toMatchObject({ status: "proving", heldBy: { instance: "b" } });
    releaseB();
    const done = await b.service.wait(task.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: "completed", interruptions: 1 });
    const history = (await b.service.history(task.id)).map((h) => `${h.instance} ${h.outcome}`);
    expect(history).toEqual(["a interrupted", "b proven"]);
  });

  it("takes over a dead owner's task while its own heartbeats fail now and then, more often than once a lease", async () => {
    const database = await databaseFor("postgres");
    // A's renewals are lost once it holds the proof: its lease lapses for B a lease later, and stays so.
    const slow = new TestHost("native", 1);
    const releaseSlow = slow.hold();
    const a = await start(database, {
      host: slow,
      scheduling: { instanceId: "a", leaseMs: 3_000 },
    });
    // Every other renewal of B's fails (a flaky link): no lease passes without a failed heartbeat.
    let calls = 0;
    const flaky = renewalsLost("a", (store, ...args) => {
      if (args[0] === "b" && ++calls % 2 === 0)
        return Promise.reject(new Error("Connection terminated unexpectedly"));
      return renew.apply(store, args);
    });
    const { task } = await a.service.submit(leaf(1), "native");
    await until(() => slow.active === 1, "A to hold the proof");
    try {
      // Renewals every third of a lease, every other lost: a renewal lands every two thirds, a third
      // of a lease to spare. That third must outlast an event-loop stall under load: 100 ms (300 ms
      // leases) and 333 ms (1 s leases) each once did not in a fresh CI run, and B lost the task
      // to its own lapsed lease.
      const b = await start(database, { scheduling: { instanceId: "b", leaseMs: 3_000 } });
      const done = await b.service.wait(task.id, { timeoutMs: 10_000 });
      expect(done.status).toBe("completed");
      expect(done.interruptions).toBe(1);
    } finally {
      flaky.mockRestore();
      releaseSlow();
    }
  });

  it("leaves a live instance its tasks, though another's clock is ahead by more than a lease", async () => {
    const database = await databaseFor("postgres");
    const slow = new TestHost("native", 1);
    const releaseSlow = slow.hold();
    // A, live, must keep its task while B reaps every 100 ms. Renewed every third of a lease, it has
    // two thirds of one to outlast an event-loop stall under load: 667 ms (1 s leases) was less
    // than the stalls CI has seen.
    const a = await start(database, { host: slow, scheduling: { instanceId: "a", leaseMs: 3_000 } });
    const { task } = await a.service.submit(leaf(1), "native");
    await until(() => slow.active === 1, "A to hold the proof");
    // B's machine's clock runs 10 s ahead: by it, every lease A writes lapsed long ago.
    const ahead = { ...systemClock, now: () => Date.now() + 10_000 };
    await start(database, { clock: ahead, scheduling: { instanceId: "b", leaseMs: 300 } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    releaseSlow();
    const done = await a.service.wait(task.id, { timeoutMs: 10_000 });
    expect([done.status, done.interruptions]).toEqual(["completed", 0]);
    expect(slow.proveCalls).toHaveLength(1);
  });

  it("takes over a lapsed dependency resolution at once, not at its next poll", async () => {
    const database = await databaseFor("postgres");
    // A's renewals are lost, its lease long enough that B sees it live when it starts (so its
    // start-up pass leaves the task alone), then lapse. A hangs in the resolution meanwhile.
    const lost = renewalsLost("a");
    onTestFinished(() => lost.mockRestore());
    const hung = new TestScript("a");
    let release = () => {};
    hung.resolving = new Promise((resolve) => {
      release = resolve;
    });
    const a = await start(database, {
      script: hung,
      scheduling: { instanceId: "a", leaseMs: 1_800, claim: { kinds: ["node"] } },
    });
    const { task } = await a.service.submit(node(1), "native");
    await until(() => hung.resolutionsBegun === 1, "A to hold the resolution");
    const b = await start(database, {
      scheduling: { instanceId: "b", leaseMs: 300, pollIntervalMs: 60_000, maxInterruptions: 1_000 },
    });
    expect((await b.service.status(task.id)).status).toBe("pending");
    // The step keeps its status (pending) when B takes it over: B must still learn it has work.
    const done = await b.service.wait(task.id, { timeoutMs: 10_000 }).finally(release);
    expect(done.status).toBe("completed");
    const history = (await b.service.history(task.id)).map((h) => `${h.instance} ${h.phase} ${h.outcome}`);
    expect(history[0]).toBe("a resolve interrupted");
    expect(history).toContain("b resolve resolved");
  });

  it("fails a task interrupted more often than allowed, saying so", async () => {
    const database = await databaseFor("postgres");
    const lost = renewalsLost("crashy");
    onTestFinished(() => lost.mockRestore());
    const stuck = new TestHost("native", 1);
    stuck.hold();
    const crashy = await start(database, {
      host: stuck,
      scheduling: { instanceId: "crashy", leaseMs: 300 },
    });
    // The crashing instance takes the task before B exists: B must take it over, not win the claim.
    const { task } = await crashy.service.submit(leaf(5), "native");
    await until(() => stuck.active === 1, "the crashing instance to hold the proof");
    const b = await start(database, {
      scheduling: { instanceId: "b", leaseMs: 300, maxInterruptions: 0 },
      concurrency: 1,
    });
    const record = await b.service.wait(task.id, { timeoutMs: 10_000 });
    expect(record.status).toBe("permanent_failure");
    expect(record.status === "permanent_failure" && record.error).toMatch(
      /^interrupted 1 times, more than the 0 allowed: it may be crashing the prover; last: attempt interrupted: instance crashy/,
    );
  });

  it("starts beside a live instance without taking its work, and takes it at once when that instance stops", async () => {
    const database = await databaseFor("postgres");
    const held = new TestHost("native", 2);
    held.hold();
    const a = await start(database, { host: held, scheduling: { instanceId: "a" } });
    const submitted = await a.service.submitMany([leaf(1), leaf(2)], "native");
    await until(() => held.active === 2, "A to hold two proofs");

    const b = await start(database, { scheduling: { instanceId: "b", pollIntervalMs: 60_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.host.proveCalls).toHaveLength(0);
    const instances = await b.service.instances();
    expect(instances.map((i) => [i.id, i.tasksHeld])).toEqual([
      ["a", 2],
      ["b", 0],
    ]);

    // A stops gracefully: it releases its leases and announces them; B (polling once a minute) wakes.
    await a.service.close();
    const done = await Promise.all(submitted.map((s) => b.service.wait(s.task.id, { timeoutMs: 10_000 })));
    expect(done.map((t) => [t.status, t.interruptions])).toEqual([
      ["completed", 0],
      ["completed", 0],
    ]);
    expect((await b.service.instances()).map((i) => i.id)).toEqual(["b"]);
  });

  it("refuses a bulk retry that takes another instance's kind before restarting any task, and retries by kind", async () => {
    const database = await databaseFor("postgres");
    // A has no plugin for `ticker`; B has, and claims nothing else.
    const a = await start(database, { scheduling: { instanceId: "a" } });
    const b = await start(database, {
      ticker: true,
      scheduling: { instanceId: "b", claim: { kinds: ["ticker"] } },
    });
    a.script.fetchFailures.set(1, ["permanent"]);
    const { task: own } = await a.service.submit(leaf(1), "native");
    expect((await a.service.wait(own.id, { timeoutMs: 10_000 })).status).toBe("permanent_failure");
    const release = b.host.hold();
    const { task: foreign } = await b.service.submit({ kind: "ticker", index: 1 }, "native");
    await b.service.cancel(foreign.id);
    release();

    // As the dashboard's "Retry matching" with no filter sends it.
    await expect(a.service.retryMany({ olderThanMs: 0 })).rejects.toMatchObject({
      code: "UNKNOWN_KIND",
      message: expect.stringMatching(
        /^nothing was retried: tasks of kind "ticker" match, and no plugin here proves it/,
      ),
    });
    // A's writes commit in order: once this one has, a restart the refused call had begun would have too.
    await a.service.submit(leaf(2), "native");
    expect((await a.service.status(own.id)).status).toBe("permanent_failure");
    expect((await a.service.status(foreign.id)).status).toBe("cancelled");

    expect(await a.service.retryMany({ kind: "leaf" })).toEqual({ matched: 1, changed: 1 });
    expect(await b.service.retryMany({ kind: "ticker" })).toEqual({ matched: 1, changed: 1 });
    expect((await b.service.wait(foreign.id, { timeoutMs: 10_000 })).status).toBe("completed");
  });

  it("counts a task that two instances' bulk actions take at once as changed by one of them", {
    timeout: 90_000,
  }, async () => {
    const database = await databaseFor("postgres");
    // Neither claims leaves: the task waits, queued, for the operators.
    const only = (instanceId: string) =>
      start(database, { scheduling: { instanceId, claim: { kinds: ["published"] } } });
    const a = await only("a");
    const b = await only("b");
    const { task } = await a.service.submit(leaf(1), "native");
    const bulkActions = [
      (s: ProverService) => s.cancelMany({ kind: "leaf" }),
      (s: ProverService) => s.retryMany({ kind: "leaf" }),
    ];
    for (const act of bulkActions) {
      // Both read the task as it is, then wait for its row, which another session holds: the
      // first to have it changes the task, the second finds it changed.
      const row = await lockedRow(database, task.id);
      const both = Promise.all([act(a.service), act(b.service)]);
      try {
        // Room for two instances' actions to reach the row on a loaded machine (one CI run saw
        // only one waiting after 10 s); the row is let go whatever happens, so that a failure
        // here leaves the instances free to close.
        await row.untilSomeoneWaits(2, 30_000);
      } finally {
        await row.commit();
      }
      const results = await both;
      expect(results.map((r) => r.matched)).toEqual([1, 1]);
      expect(results.map((r) => r.changed).sort()).toEqual([0, 1]);
    }
    expect((await a.service.status(task.id)).status).toBe("queued");
  });

  it("wakes an idle instance through LISTEN/NOTIFY when another stores work it does not take itself", async () => {
    const database = await databaseFor("postgres");
    const a = await start(database, {
      scheduling: { instanceId: "a", claim: { kinds: ["published"] }, pollIntervalMs: 60_000 },
    });
    const b = await start(database, { scheduling: { instanceId: "b", pollIntervalMs: 60_000 } });
    await expectWokenFor(a, b);
    expect(a.host.proveCalls).toHaveLength(0);
    expect(b.host.proveCalls).toHaveLength(2);
  });

  it("wakes instances on a schema whose name is too long to be part of a channel's name", async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    // A test schema's name (swept as such), 61 characters: `paas_<schema>_work` would be 71.
    const database = { url, schema: schema + "0".repeat(61 - schema.length) };
    const a = await start(database, {
      scheduling: { instanceId: "a", claim: { kinds: ["published"] }, pollIntervalMs: 60_000 },
    });
    const b = await start(database, { scheduling: { instanceId: "b", pollIntervalMs: 60_000 } });
    await expectWokenFor(a, b);
  });

  it("wakes instances given the schema by name from one that found it on its URL's search path", async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const onPath = new URL(url);
    onPath.searchParams.set("options", `-c search_path=${schema}`);
    // The same tables, configured two ways: the wake-ups must go to the same channel too.
    const b = await start({ url, schema }, { scheduling: { instanceId: "b", pollIntervalMs: 60_000 } });
    const a = await start(
      { url: onPath.href },
      { scheduling: { instanceId: "a", claim: { kinds: ["published"] }, pollIntervalMs: 60_000 } },
    );
    await expectWokenFor(a, b);
  });

  it("wakes an instance for work announced while its listening connection was down", async () => {
    const database = await databaseFor("postgres");
    const a = await start(database, {
      scheduling: { instanceId: "a", claim: { kinds: ["published"] }, pollIntervalMs: 60_000 },
    });
    const b = await start(database, { scheduling: { instanceId: "b", pollIntervalMs: 60_000 } });
    const { schema } = database as { schema: string };
    const admin = await otherSession(database);
    try {
      // The server ends both instances' listening sessions; A announces the task meanwhile.
      const listeners = `select pid from pg_stat_activity where query = 'listen "paas_${schema}_work"'`;
      await admin.query(`select pg_terminate_backend(pid) from (${listeners}) l`);
      await until(async () => (await admin.query(listeners)).rowCount === 0, "the listeners to end");
      const { task } = await a.service.submit(leaf(9), "native");
      expect((await b.service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
      expect(b.host.proveCalls).toHaveLength(1);
    } finally {
      await admin.end();
    }
  });

  it("runs a once-per-cluster service on one instance, never on a worker, and fails it over when its instance goes", async () => {
    const database = await databaseFor("postgres");
    const script = (name: string) => new TestScript(name);
    // A must lead until its close: with a 300 ms lease, a stall under load passed its step-down
    // timer (a tenth of a lease before the lapse) and A stopped the service on its own.
    const a = await start(database, {
      ticker: true,
      script: script("a"),
      scheduling: { instanceId: "a", leaseMs: 3_000 },
    });
    const w = await start(database, {
      ticker: true,
      script: script("w"),
      scheduling: { instanceId: "w", leaseMs: 300, role: "worker" },
    });
    const b = await start(database, {
      ticker: true,
      script: script("b"),
      scheduling: { instanceId: "b", leaseMs: 300 },
    });
    expect(a.script.serviceEvents).toEqual(["start ticker@a"]);
    expect(a.service.runsClusterServices).toBe(true);
    expect(b.script.serviceEvents).toEqual([]);

    await a.service.close();
    expect(a.script.serviceEvents).toEqual(["start ticker@a", "stop ticker@a"]);
    await until(() => b.script.serviceEvents.length === 1, "B to take the service over");
    expect(b.script.serviceEvents).toEqual(["start ticker@b"]);
    expect(w.script.serviceEvents).toEqual([]);
  });

  it("fails the service over once the lease of an instance that died holding it lapses", async () => {
    const database = await databaseFor("postgres");
    const a = await start(database, {
      ticker: true,
      script: new TestScript("a"),
      scheduling: { instanceId: "a", leaseMs: 300 },
    });
    expect(a.script.serviceEvents).toEqual(["start ticker@a"]);
    // A killed leader renews no more and gives nothing back: its lease row is left as it was, as
    // if it had died just after a renewal. The lease runs from the database's now once B is about
    // to start, with room for a start slowed by a loaded machine: left as read before A's close,
    // it had lapsed by the time B started in one CI run, and B rightly took the service at once.
    const session = await otherSession(database);
    const left = await session.query("select name, owner from service_leases");
    await a.service.close();
    await session.query(
      `insert into service_leases (name, owner, expires_at)
        values ($1, $2, (extract(epoch from clock_timestamp()) * 1000)::bigint + $3)`,
      [left.rows[0].name, left.rows[0].owner, DEAD_LEADER_LEASE_LEFT_MS],
    );
    await session.end();
    const b = await start(database, {
      ticker: true,
      script: new TestScript("b"),
      scheduling: { instanceId: "b", leaseMs: 300 },
    });
    expect(b.script.serviceEvents).toEqual([]);
    await until(() => b.script.serviceEvents.includes("start ticker@b"), "B to be elected");
  });

  it("stops the service before its lease lapses when the leader's database calls hang", async () => {
    const database = await databaseFor("postgres");
    const a = await start(database, {
      ticker: true,
      script: new TestScript("a"),
      scheduling: { instanceId: "a", leaseMs: 300 },
    });
    expect(a.script.serviceEvents).toEqual(["start ticker@a"]);
    // Another session locks A's row in `instances`: A's next heartbeat waits on it, as a call to an
    // unreachable database would, and never comes back to check its lease.
    const blocker = await otherSession(database);
    try {
      await blocker.query("begin");
      await blocker.query("select id from instances where id = 'a' for update");
      await until(() => a.script.serviceEvents.length === 2, "A to stop the service");
      expect(a.script.serviceEvents).toEqual(["start ticker@a", "stop ticker@a"]);
      expect(a.service.runsClusterServices).toBe(false);
      expect(a.logs.some((l) => l.level === "warn" && /cannot renew/.test(l.message))).toBe(true);
      // B must keep the lease while A's beats come back and try for it: a lease to outlast a stall.
      const b = await start(database, {
        ticker: true,
        script: new TestScript("b"),
        scheduling: { instanceId: "b", leaseMs: 3_000 },
      });
      await until(() => b.script.serviceEvents.length === 1, "B to be elected");
    } finally {
      await blocker.query("rollback");
      await blocker.end();
    }
    // A's heartbeat returns, finds B holding the lease, and leaves the service stopped.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.script.serviceEvents).toEqual(["start ticker@a", "stop ticker@a"]);
  });
});

/** An instance proving a task its host holds, on a fresh PostgreSQL database. */
async function provingOnPostgres(ticker = false) {
  const database = await databaseFor("postgres");
  const host = new TestHost();
  const release = host.hold();
  const a = await start(database, {
    host,
    ticker,
    scheduling: { instanceId: "a", leaseMs: 600, pollIntervalMs: 100 },
  });
  const { task } = await a.service.submit(leaf(1), "native");
  await until(async () => (await a.service.status(task.id)).status === "proving", "a proving");
  return { database, host, release, a, task };
}

/**
 * What a newer version's first start does to the schema, seen from an instance already running: a
 * migration recorded that this version does not know.
 */
async function migrateAsNewerVersion(session: Awaited<ReturnType<typeof otherSession>>): Promise<void> {
  await session.query("insert into kysely_migration (name, timestamp) values ($1, $2)", [
    "9999_from_a_newer_version",
    new Date().toISOString(),
  ]);
}

describe.runIf(postgres.url !== undefined)(
  "a newer version migrating the database under a running instance",
  () => {
    it("stops the instance at its next heartbeat, saying why, and hands its work and services over", async () => {
      const { database, host, release, a, task } = await provingOnPostgres(true);
      const session = await otherSession(database);
      try {
        await migrateAsNewerVersion(session);
      } finally {
        await session.end();
      }
      const why = await a.service.failed;
      expect(why.message).toBe(
        "the task database was migrated by a newer version of PaaS while this instance ran (9999_from_a_newer_version): this instance stops; run the newer version in its place",
      );
      expect(a.logs).toContainEqual(
        expect.objectContaining({ level: "error", fields: { migrations: ["9999_from_a_newer_version"] } }),
      );
      // Stopped as at a close: its once-per-cluster service, the proof it held, its membership.
      await until(() => a.script.serviceEvents.includes("stop ticker@main"), "the ticker stopped");
      await until(() => host.aborted === 1, "the held proof aborted");
      release();
      await expect(a.service.submit(leaf(2), "native")).rejects.toThrow(/closed/);
      // Read as psql would: this version now refuses to open the database at all.
      const reader = await otherSession(database);
      try {
        const held = () => reader.query("select status, owner from tasks where id = $1", [task.id]);
        await until(async () => (await held()).rows[0]?.status === "queued", "the task handed back");
        expect((await held()).rows).toEqual([{ status: "queued", owner: null }]);
        expect((await reader.query("select id from instances")).rows).toEqual([]);
      } finally {
        await reader.end();
      }
    });

    it("a close called once it stopped itself returns only when it has stopped", async () => {
      // What `paas start` does on `failed`: it closes the app, then says "stopped" and exits.
      const { database, release, a, task } = await provingOnPostgres();
      const session = await otherSession(database);
      try {
        await migrateAsNewerVersion(session);
        await a.service.failed;
        await a.service.close();
        // Read at once: its held task is given back and it has left, not on its way to.
        const held = await session.query("select status, owner from tasks where id = $1", [task.id]);
        expect(held.rows).toEqual([{ status: "queued", owner: null }]);
        expect((await session.query("select id from instances")).rows).toEqual([]);
      } finally {
        release();
        await session.end();
      }
    });
  },
);

describe.runIf(postgres.url !== undefined)("task counts on PostgreSQL", () => {
  // Each database session counts into a shard of its own, and a pool ends its idle sessions (after
  // 10 s) and opens others when work comes back. Only the instance elected to run the cluster
  // services folded the shards of ended sessions: in a cluster with none to run (no checkpoint
  // plugin) or workers only, `task_counts` grew by a few rows a session for ever, and `summary()`,
  // read at every scrape and every overview, summed them all.
  it.each([
    ["with no cluster service to run", { ticker: false, role: "all" as const }],
    ["as a worker", { ticker: true, role: "worker" as const }],
  ])("are folded from ended sessions by an instance never elected, %s", async (_, { ticker, role }) => {
    const database = await databaseFor("postgres");
    const a = await start(database, { ticker, scheduling: { instanceId: "a", leaseMs: 300, role } });
    // Counted by the sessions of an instance that has stopped since: its pool's sessions ended.
    const gone = await start(database, { scheduling: { instanceId: "gone", leaseMs: 300, role: "worker" } });
    const done = await gone.service.submitMany([leaf(1), leaf(2), leaf(3)], "native");
    await Promise.all(done.map((d) => gone.service.wait(d.task.id, { timeoutMs: 10_000 })));
    await gone.service.close();
    const reader = await otherSession(database);
    try {
      const endedShards = async () =>
        Number(
          (
            await reader.query(`select count(*) as n from task_counts
              where shard <> 0 and shard not in (select pid from pg_stat_activity where pid is not null)`)
          ).rows[0].n,
        );
      await until(async () => (await endedShards()) === 0, "the ended sessions' shards folded");
      expect((await a.service.summary()).byStatus.completed).toBe(3);
    } finally {
      await reader.end();
    }
  });
});

describe("one instance per SQLite database", () => {
  it("refuses a second process on the same database file, naming the one that holds it", async () => {
    const database = await databaseFor("sqlite", { file: true });
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(import.meta.dirname, "fixtures/hold-database.ts"),
        JSON.stringify(database),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("holding") && resolve());
        child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
      });
      await expect(openDatabase(database)).rejects.toMatchObject({
        code: "DATABASE_IN_USE",
        message: expect.stringMatching(
          new RegExp(
            `paas\\.sqlite is in use by another prover instance \\(pid ${child.pid} on .+, since .+\\): stop it first`,
          ),
        ),
      });
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    // A holder killed by SIGKILL leaves no stale lock behind.
    const reopened = await openDatabase(database);
    await reopened.close();
  });
});
