import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { CompiledQuery } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { DatabaseLocation, PaasError } from "../src/index.js";
import { BatchedWrite } from "../src/store/batched-write.js";
import { isConnectionLoss } from "../src/store/database-errors.js";
import { PgListener } from "../src/store/pg-listener.js";
import { TaskStore } from "../src/store/task-store.js";
import { WriteBatcher } from "../src/store/write-batcher.js";
import { leaf, node, published } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { TestScript } from "./fixtures/test-plugins.js";
import {
  applicationRole,
  databaseFor,
  type LockedRow,
  lockedRow,
  otherSession,
  postgres,
} from "./support/dialects.js";
import { open, start, until } from "./support/services.js";

/**
 * What an instance does when the PostgreSQL it shares misbehaves as an operator's does: sessions
 * ended by the server (`pg_terminate_backend`, a failover, an idle timeout), statements that hang
 * on a lock, timeouts set on the role.
 */
/** A PostgreSQL test database whose sessions carry `application_name`, so a test can end them. */
async function namedDatabase(): Promise<{
  database: DatabaseLocation;
  /** The same database, for sessions of the test's own (not ended with the instance's). */
  plain: DatabaseLocation;
  app: string;
  schema: string;
}> {
  const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
  const app = `pgfault_${randomBytes(4).toString("hex")}`;
  const named = new URL(url);
  named.searchParams.set("application_name", app);
  return { database: { url: named.href, schema }, plain: { url, schema }, app, schema };
}

/**
 * A TCP relay in front of the test's PostgreSQL that can be taken down (every connection dropped,
 * new ones refused) and brought back on the same port: what a server restart or failover looks
 * like to its clients, without restarting the server other tests share.
 */
async function restartableRelay(location: DatabaseLocation & { url: string }): Promise<{
  database: DatabaseLocation;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Drops every connection, then takes new ones and never answers them (a host that hangs). */
  hang(): void;
  /** Ends `hang`: the connections it took are dropped, new ones relayed again. */
  answer(): void;
  /**
   * Holds every byte either way, connections kept open: a network partition or a host frozen
   * mid-failover, where nothing is reset and TCP delivers what was sent once it is back.
   */
  freeze(): void;
  /** Ends `freeze`: what was held is delivered. */
  thaw(): void;
  /**
   * The connections open now are black-holed (a NAT or firewall that forgot their flow): what
   * either side sends on them is lost and nothing is reset; new connections are relayed.
   */
  forget(): void;
  close(): Promise<void>;
}> {
  const target = new URL(location.url);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  let hanging = false;
  let frozen = false;
  const held: (() => void)[] = [];
  const forgotten = new WeakSet<Socket>();
  const forward = (from: Socket, to: Socket) =>
    from.on("data", (chunk: Buffer) => {
      if (forgotten.has(from)) return;
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<Server>((resolve) => {
      const relay = createServer((client) => {
        track(client);
        if (hanging) {
          client.resume(); // what the client sends is taken, and nothing comes back
          return;
        }
        const upstream = netConnect(Number(target.port || 5432), target.hostname);
        track(upstream);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        forward(client, upstream);
        forward(upstream, client);
      });
      relay.listen(port, "127.0.0.1", () => resolve(relay));
    });
  const down = async () => {
    const closing = server;
    server = undefined;
    dropAll();
    // Already down (a test closing it mid-outage), there is nothing to wait for.
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  server = await listen(0);
  const { port } = server.address() as AddressInfo;
  const relayed = new URL(location.url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(port);
  return {
    database: { ...location, url: relayed.href },
    down,
    async up() {
      server = await listen(port);
    },
    hang() {
      hanging = true;
      dropAll();
    },
    answer() {
      hanging = false;
      dropAll();
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const deliver of held.splice(0)) deliver();
    },
    forget() {
      for (const socket of sockets) forgotten.add(socket);
    },
    close: down,
  };
}

/**
 * An instance that proved one leaf through a relay, the relay then frozen: the server cut off
 * without a reset, its pooled sessions open, a statement sent on one waiting for an answer.
 */
async function oneProofThenCutOff() {
  const relay = await restartableRelay((await databaseFor("postgres")) as DatabaseLocation & { url: string });
  const a = await start(relay.database, { scheduling: { instanceId: "a", leaseMs: 3_000 } });
  const [submitted] = await a.service.submitMany([leaf(1)], "native");
  const id = submitted!.task.id;
  await a.service.wait(id, { timeoutMs: 10_000 });
  relay.freeze();
  return { relay, a, id };
}

/** How a read ended within 15 s: "answered", its error's code, or "still waiting". */
function outcomeWithin15s(read: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    read.then(
      () => "answered",
      (error: unknown) => (error as PaasError).code,
    ),
    new Promise((resolve) => setTimeout(() => resolve("still waiting"), 15_000)),
  ]);
}

/**
 * Instance "a" on `database` proves one leaf, whose proof waits until the test has put the database
 * in a fault (`before`, given the task's id). The proof is then computed and stored; once the
 * instance has said what became of it (a warning: kept; an error: lost), the fault ends (`after`)
 * and the task is waited for. Says how it ended, how many proofs were computed and what was said.
 */
async function proveOneLeafThrough(
  database: DatabaseLocation,
  fault: { before(id: string): Promise<void>; after(): Promise<void> },
): Promise<{ status: string; interruptions: number; proofs: number; errors: string[]; warning?: string }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const host = new TestHost("native", 1);
  const prove = host.prove.bind(host);
  let entered = 0;
  host.prove = async (program, input, options) => {
    entered++;
    await released;
    return prove(program, input, options);
  };
  const errors: string[] = [];
  const a = await start(database, {
    host,
    scheduling: { instanceId: "a", leaseMs: 1_500 },
    onError: (error, where) => errors.push(`${where}: ${error instanceof Error ? error.message : error}`),
  });
  try {
    const [submitted] = await a.service.submitMany([leaf(1)], "native");
    const id = submitted!.task.id;
    await until(() => entered === 1, "the proof to start");
    await fault.before(id);
    release();
    const warning = () => a.logs.find((l) => l.level === "warn" && JSON.stringify(l.fields).includes(id));
    await until(
      () => warning() !== undefined || errors.some((e) => e.includes(id)),
      "the instance to say what became of the proof",
    );
    await fault.after();
    const done = await a.service.wait(id, { timeoutMs: 15_000 });
    const said = warning();
    return {
      status: done.status,
      interruptions: done.interruptions,
      proofs: host.proveCalls.length,
      errors: errors.filter((e) => e.includes(id)),
      ...(said && { warning: `${(said.fields as { code?: string }).code}: ${said.message}` }),
    };
  } finally {
    release();
    await a.service.close();
  }
}

describe.runIf(postgres.url !== undefined)("an instance on a PostgreSQL that misbehaves", () => {
  it("keeps a proof computed while the server restarts, and stores it once it answers, proven once", async () => {
    const relay = await restartableRelay(
      (await databaseFor("postgres")) as DatabaseLocation & { url: string },
    );
    try {
      // The server goes away while the proof is computed, for longer than a write's own retries.
      const outcome = await proveOneLeafThrough(relay.database, {
        before: () => relay.down(),
        after: () => relay.up(),
      });
      expect(outcome).toMatchObject({ errors: [], status: "completed", interruptions: 0, proofs: 1 });
      expect(outcome.warning).toMatch(/database cannot be reached: this proof is kept/);
    } finally {
      await relay.close();
    }
  }, 40_000);

  it("writes through a server that takes connections and never answers them, once it answers again", async () => {
    // A host that hangs (frozen, or a proxy in front of a server that fails over) accepts the TCP
    // connection and sends nothing: pg gives up opening it after the connection timeout (10 s).
    const relay = await restartableRelay(
      (await databaseFor("postgres")) as DatabaseLocation & { url: string },
    );
    try {
      const db = await open(relay.database);
      const store = new TaskStore(db.db, "postgres");
      relay.hang();
      const task = {
        id: "b".repeat(64),
        kind: "leaf",
        backend: "native",
        context: "{}",
        status: "queued" as const,
        phase: "prove" as const,
      };
      const write = store.insertMany([task], Date.now()).then(
        (stored) => stored.map((s) => s.created),
        (error: unknown) => (error as Error).message,
      );
      // Longer than two connection timeouts: the group commit's attempt and its first alone.
      await new Promise((resolve) => setTimeout(resolve, 22_000));
      relay.answer();
      expect(await write).toEqual([true]);
    } finally {
      await relay.close();
    }
  }, 60_000);

  it("answers a status read with an error, not after the outage, while the server is cut off without a reset", async () => {
    const { relay, a, id } = await oneProofThenCutOff();
    try {
      // Cut off for 30 s: the pooled sessions stay open, and the read sent on one waits for an answer.
      const asked = Date.now();
      expect(await outcomeWithin15s(a.service.status(id))).toBe("TRANSIENT_FAILURE");
      expect(Date.now() - asked).toBeLessThan(12_000);
      relay.thaw();
      expect((await a.service.status(id)).status).toBe("completed");
    } finally {
      relay.thaw();
      await relay.close();
    }
  }, 40_000);

  it("answers an operator's reads and changes with a transient error that says the database is out, while the server is down", async () => {
    // `pg_ctl stop`: connections are refused at once (ECONNREFUSED), no deadline is waited out.
    // `paas report`, `paas list`, `paas status`, `paas submit` and `paas cancel` answered
    // "internal error" (-32603) for it.
    const relay = await restartableRelay(
      (await databaseFor("postgres")) as DatabaseLocation & { url: string },
    );
    const a = await start(relay.database, { scheduling: { instanceId: "a", leaseMs: 3_000 } });
    try {
      const [submitted] = await a.service.submitMany([leaf(1)], "native");
      const id = submitted!.task.id;
      await a.service.wait(id, { timeoutMs: 10_000 });
      await relay.down();
      const outcome = (read: Promise<unknown>) =>
        read.then(
          () => "answered",
          (error: PaasError) => `${error.code}: ${error.message}`,
        );
      const outcomes = await Promise.all([
        outcome(a.service.summary()),
        outcome(a.service.list()),
        outcome(a.service.status(id)),
        outcome(a.service.instances()),
        outcome(a.service.graph(id)),
        outcome(a.service.submit(leaf(2), "native")),
        outcome(a.service.cancel(id)),
        outcome(a.service.cancelMany({ kind: "leaf" })),
      ]);
      expect(outcomes).toHaveLength(8);
      for (const said of outcomes)
        expect(said).toMatch(/^TRANSIENT_FAILURE: the task database cannot be reached/);
      await relay.up();
      expect((await a.service.status(id)).status).toBe("completed");
    } finally {
      await a.service.close();
      await relay.close();
    }
  }, 40_000);

  it("answers the instance list and a task's graph with an error, not after the outage, while the server is cut off", async () => {
    const { relay, a, id } = await oneProofThenCutOff();
    try {
      // `paas_getReport` (paas watch, paas report) and the dashboard's overview read both.
      const asked = Date.now();
      expect(
        await Promise.all([outcomeWithin15s(a.service.instances()), outcomeWithin15s(a.service.graph(id))]),
      ).toEqual(["TRANSIENT_FAILURE", "TRANSIENT_FAILURE"]);
      expect(Date.now() - asked).toBeLessThan(12_000);
      relay.thaw();
      // Answered again; A's row, stale after the cut, may have been dropped: its next beat lists it.
      await until(async () => (await a.service.instances()).some((i) => i.id === "a"), "A listed again");
    } finally {
      relay.thaw();
      await relay.close();
    }
  }, 40_000);

  it("leaves a live instance its tasks after an outage longer than a lease, rather than taking them over", async () => {
    // Each instance reaches the server through a relay of its own, so one can be back before the
    // other (a partition that heals host by host, a pool whose connect waited out its timeout).
    const location = (await databaseFor("postgres")) as DatabaseLocation & { url: string };
    const [toA, toB] = [await restartableRelay(location), await restartableRelay(location)];
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const host = new TestHost("native", 2);
    const prove = host.prove.bind(host);
    let entered = 0;
    host.prove = async (program, input, options) => {
      entered++;
      await released;
      return prove(program, input, options);
    };
    try {
      const a = await start(toA.database, { host, scheduling: { instanceId: "a", leaseMs: 1_500 } });
      const submitted = await a.service.submitMany([leaf(1), leaf(2)], "native");
      await until(() => entered === 2, "A to prove both");
      const b = await start(toB.database, { scheduling: { instanceId: "b", leaseMs: 1_500 } });
      // The server is away for longer than a lease (a restart, a failover): neither instance can
      // renew, and A's proofs go on meanwhile. B reaches it again first, A a heartbeat later.
      await Promise.all([toA.down(), toB.down()]);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await toB.up();
      await new Promise((resolve) => setTimeout(resolve, 700));
      await toA.up();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      release();
      const done = await Promise.all(submitted.map((s) => a.service.wait(s.task.id, { timeoutMs: 15_000 })));
      expect(done.map((t) => [t.status, t.interruptions])).toEqual([
        ["completed", 0],
        ["completed", 0],
      ]);
      expect(host.proveCalls).toHaveLength(2);
      expect(b.host.proveCalls).toHaveLength(0);
    } finally {
      release();
      await Promise.all([toA.close(), toB.close()]);
    }
  }, 40_000);

  it("keeps a proof computed while no connection slot is free, and stores it once one is", async () => {
    // Every slot taken is what `max_connections` (or a role's connection limit) says when instances
    // and RPC readers together want more sessions than the server allows: too_many_connections.
    const role = await applicationRole();
    const schema = `paas_slots_${randomBytes(5).toString("hex")}`;
    const app = `pgslots_${randomBytes(4).toString("hex")}`;
    const url = new URL(role.url);
    url.searchParams.set("application_name", app);
    try {
      await role.admin.query(`create schema ${schema} authorization ${role.name}`);
      const outcome = await proveOneLeafThrough(
        { url: url.href, schema },
        {
          async before() {
            await role.admin.query(`alter role ${role.name} connection limit 0`);
            await role.admin.query(
              "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
              [app],
            );
          },
          async after() {
            await role.admin.query(`alter role ${role.name} connection limit -1`);
          },
        },
      );
      expect(outcome).toMatchObject({ errors: [], status: "completed", interruptions: 0, proofs: 1 });
      expect(outcome.warning).toMatch(/^53300: the database cannot be reached: this proof is kept/);
    } finally {
      await role.admin.query(`alter role ${role.name} connection limit -1`);
      await role.admin.query(`drop schema if exists ${schema} cascade`);
      await role.drop();
    }
  }, 40_000);

  // A DBA's lock_timeout cancels a write that waits longer for a row lock (55P03); a
  // statement_timeout (more often set) cancels it as any slow statement (query_canceled, 57014).
  it.each([
    [
      "keeps a proof whose row another session holds past the role's lock_timeout, and stores it once free",
      "lock_timeout=200",
      /^55P03: another session holds this task's row.*this proof is kept/,
    ],
    [
      "keeps a proof whose write the role's statement_timeout cancels, and stores it once the write is quick",
      "statement_timeout=300",
      /^57014: .*statement_timeout.*this proof is kept/,
    ],
  ] as const)(
    "%s",
    async (_title, setting, warning) => {
      const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
      const timed = new URL(url);
      timed.searchParams.set("options", `-c ${setting}`);
      let other: LockedRow | undefined;
      try {
        const outcome = await proveOneLeafThrough(
          { url: timed.href, schema },
          {
            // An operator's session (or a long report) holds the task's row while its proof is stored.
            async before(id) {
              other = await lockedRow({ url, schema }, id);
            },
            after: () => other!.commit(),
          },
        );
        expect(outcome).toMatchObject({ errors: [], status: "completed", interruptions: 0, proofs: 1 });
        expect(outcome.warning).toMatch(warning);
      } finally {
        await other?.end();
      }
    },
    40_000,
  );

  it("keeps a proof computed while the server takes no writes (a standby after a failover), and stores it once it does", async () => {
    // Failed over, the address (a DNS name, a VIP) leads for a while to a server in recovery, or
    // to the old primary demoted: sessions open, reads answer, every write is refused (25006).
    const role = await applicationRole();
    const schema = `paas_ro_${randomBytes(5).toString("hex")}`;
    const app = `pgro_${randomBytes(4).toString("hex")}`;
    const url = new URL(role.url);
    url.searchParams.set("application_name", app);
    const endSessions = () =>
      role.admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [
        app,
      ]);
    try {
      await role.admin.query(`create schema ${schema} authorization ${role.name}`);
      const outcome = await proveOneLeafThrough(
        { url: url.href, schema },
        {
          async before() {
            await role.admin.query(`alter role ${role.name} set default_transaction_read_only = on`);
            await endSessions();
          },
          async after() {
            // The address leads to the primary again: the standby's sessions end (the pool sees
            // its idle ones go before the test reads through it).
            await role.admin.query(`alter role ${role.name} reset default_transaction_read_only`);
            await endSessions();
            await new Promise((resolve) => setTimeout(resolve, 200));
          },
        },
      );
      expect(outcome).toMatchObject({ errors: [], status: "completed", interruptions: 0, proofs: 1 });
      expect(outcome.warning).toMatch(/^25006: .*this proof is kept/);
    } finally {
      await role.admin.query(`alter role ${role.name} reset default_transaction_read_only`);
      await role.admin.query(`drop schema if exists ${schema} cascade`);
      await role.drop();
    }
  }, 40_000);

  it("publishes once a publication whose completion met the server restarting, and records it once it answers", async () => {
    const relay = await restartableRelay(
      (await databaseFor("postgres")) as DatabaseLocation & { url: string },
    );
    const script = new TestScript();
    // The server goes away the moment the publication is done (a checkpoint handed to the CL),
    // before its completion is written, for longer than a write's own retries.
    const fail = script.fail.bind(script);
    let restarted: Promise<void> | undefined;
    script.fail = (queue, what) => {
      if (what.startsWith("publish") && restarted === undefined) {
        void relay.down();
        restarted = new Promise((resolve) => setTimeout(resolve, 3_000)).then(() => relay.up());
      }
      fail(queue, what);
    };
    const errors: string[] = [];
    try {
      const a = await start(relay.database, {
        script,
        scheduling: { instanceId: "a", leaseMs: 1_500 },
        onError: (error, where) => errors.push(`${where}: ${error instanceof Error ? error.message : error}`),
      });
      const [submitted] = await a.service.submitMany([published(1)], "native");
      await until(() => restarted !== undefined, "the publication");
      await restarted;
      const done = await a.service.wait(submitted!.task.id, { timeoutMs: 15_000 });
      expect(done.status).toBe("completed");
      expect(script.published).toHaveLength(1);
      expect(errors.filter((e) => e.includes(submitted!.task.id))).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 40_000);

  it("answers a cancel whose row another session holds past the role's lock_timeout with a transient error that says so", async () => {
    // `paas cancel` beside an operator's open transaction: "internal error" (-32603), logged with a
    // stack, while `paas cancel --all` meeting the same row said why and that it may be run again.
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const timed = new URL(url);
    timed.searchParams.set("options", "-c lock_timeout=200");
    const a = await start({ url: timed.href, schema });
    a.script.fetching = new Promise(() => {}); // the task stays in flight, cancellable
    let other: LockedRow | undefined;
    try {
      const [submitted] = await a.service.submitMany([leaf(1)], "native");
      const id = submitted!.task.id;
      await until(() => a.script.fetched.includes("leaf:1"), "the task's fetch");
      other = await lockedRow({ url, schema }, id);
      await expect(a.service.cancel(id)).rejects.toMatchObject({
        code: "TRANSIENT_FAILURE",
        message: expect.stringMatching(
          /^another session holds this task's row longer than the role's lock_timeout/,
        ),
      });
      await other.end();
      expect((await a.service.cancel(id)).status).toBe("cancelled");
    } finally {
      await other?.end();
      await a.service.close();
    }
  }, 40_000);

  it("runs a step again with its retries kept when the server ends the session of the step's own read", async () => {
    // `pg_ctl restart -m fast` under a running instance: a proof step reading its dependencies'
    // receipts met "terminating connection due to administrator command", and it counted as a
    // failure of the task (a retry used up, each restart again).
    const { database, plain, app } = await namedDatabase();
    const a = await start(database, { scheduling: { instanceId: "a", leaseMs: 1_500 } });
    const admin = await otherSession(plain);
    const holder = await otherSession(plain);
    try {
      const [dependency] = await a.service.submitMany([leaf(1)], "native");
      await a.service.wait(dependency!.task.id, { timeoutMs: 10_000 });
      a.script.graph.set(1, [leaf(1)]);
      // The receipts held, the node's read of its dependency's waits, and its session is ended.
      await holder.query("begin");
      await holder.query("lock table receipts in access exclusive mode");
      const [dependent] = await a.service.submitMany([node(1)], "native");
      const waiting = async () =>
        (
          await admin.query(
            "select pid from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
            [app],
          )
        ).rows.map((row) => row.pid as number);
      await until(async () => (await waiting()).length > 0, "the node's read to wait on the receipts");
      for (const pid of await waiting()) await admin.query("select pg_terminate_backend($1)", [pid]);
      // The pool may hand this read a connection whose session was just ended: refused, asked again.
      const history = () => a.service.history(dependent!.task.id).catch(() => []);
      await until(
        async () => (await history()).some((t) => t.outcome === "transient_failure"),
        "the step to end",
      );
      // Counted, it shows until the phase ends (the next attempt waits on the receipts again).
      expect((await a.service.status(dependent!.task.id)).retryCount).toBe(0);
      await holder.query("commit");
      const done = await a.service.wait(dependent!.task.id, { timeoutMs: 15_000 });
      expect(done.status).toBe("completed");
      const failed = (await a.service.history(dependent!.task.id)).find(
        (t) => t.outcome === "transient_failure",
      );
      expect(failed?.error).toMatch(/^the task database cannot be reached \(terminating connection/);
    } finally {
      await holder.end().catch(() => {});
      await admin.end();
    }
  }, 40_000);

  it("keeps proving, each task once, while the server ends every session of the instance again and again", async () => {
    const { database, plain, app } = await namedDatabase();
    const a = await start(database, {
      concurrency: 4,
      scheduling: { instanceId: "a", pollIntervalMs: 200, leaseMs: 1_500 },
    });
    const admin = await otherSession(plain);
    const unexpected: unknown[] = [];
    const onUncaught = (error: unknown) => unexpected.push(error);
    process.on("uncaughtException", onUncaught);
    let killing = true;
    // Sessions of the instance's the server ended: none (a name the pool does not send) and the
    // test ran without its fault, passing for an instance that no session loss ever reached.
    let ended = 0;
    const killer = (async () => {
      while (killing) {
        // The call in the select list, run only on the rows the where clause kept: beside it in
        // the where clause, the planner may call it on every session of the server.
        const { rows } = await admin.query(
          "select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1",
          [app],
        );
        ended += rows.filter((row) => row.ended).length;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 40));
      }
    })();
    const contexts = Array.from({ length: 300 }, (_, i) => leaf(i));
    try {
      // Work arrives while the sessions are ended: claims, finishes and group commits all meet it.
      for (let i = 0; i < contexts.length; i += 10) {
        await a.service.submitMany(contexts.slice(i, i + 10), "native").catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      killing = false;
      await killer;
      expect(ended).toBeGreaterThan(10);
      // Whatever submission met a killed session is submitted again (submissions are idempotent).
      const ids = (await a.service.submitMany(contexts, "native")).map((s) => s.task.id);
      const done = await Promise.all(ids.map((id) => a.service.wait(id, { timeoutMs: 15_000 })));
      expect(done.filter((t) => t.status !== "completed")).toEqual([]);
      const { rows } = await admin.query("select count(*)::int as n from receipts");
      expect(rows[0].n).toBe(300);
      // A proof whose finish met an ended session is stored, not thrown away and computed again.
      expect(a.host.proveCalls).toHaveLength(300);
      expect(unexpected).toEqual([]);
    } finally {
      killing = false;
      await killer;
      process.off("uncaughtException", onUncaught);
      await admin.end();
    }
  }, 60_000);

  it("replaces its listening connection once it goes silent, and hears notifications again", async () => {
    const location = (await databaseFor("postgres")) as DatabaseLocation & { url: string };
    const relay = await restartableRelay(location);
    const listener = new PgListener(
      { connectionString: (relay.database as { url: string }).url, connectionTimeoutMillis: 2_000 },
      { everyMs: 200, deadlineMs: 500 },
    );
    const channel = `paas_listener_${randomBytes(4).toString("hex")}`;
    const heard: string[] = [];
    const notify = async (payload: string) => {
      const client = new pg.Client({ connectionString: location.url });
      await client.connect();
      await client.query(`notify ${channel}, '${payload}'`);
      await client.end();
    };
    try {
      await listener.listen(channel, (payload) => heard.push(payload));
      await notify("before");
      await until(() => heard.includes("before"), "the first notification");
      // Nothing is reset and nothing fails: only the unanswered check says the connection is gone.
      relay.forget();
      await until(() => heard.includes(""), "the wake-up of a listener that listens again", 15_000);
      await notify("after");
      await until(() => heard.includes("after"), "a notification on the new connection", 15_000);
    } finally {
      await listener.close();
      await relay.close();
    }
  });

  it("keeps no connection and wakes no one once closed while it was opening one again", async () => {
    // A close during an outage (an instance stopped while the server restarts) met the reconnect's
    // connect in flight: it connected after the close, listened, woke the closed scheduler, and
    // kept its connection (and its checks) for the life of the process.
    const location = (await databaseFor("postgres")) as DatabaseLocation & { url: string };
    const relay = await restartableRelay(location);
    const app = `paas_listener_${randomBytes(4).toString("hex")}`;
    const listener = new PgListener({
      connectionString: (relay.database as { url: string }).url,
      application_name: app,
      connectionTimeoutMillis: 10_000,
    });
    const heard: string[] = [];
    const admin = new pg.Client({ connectionString: location.url });
    await admin.connect();
    const open = async () =>
      Number(
        (await admin.query("select count(*) from pg_stat_activity where application_name = $1", [app]))
          .rows[0].count,
      );
    try {
      await listener.listen(`${app}_channel`, (payload) => heard.push(payload));
      await relay.down();
      await relay.up();
      relay.freeze();
      // The reconnect's connect (after its 1 s pause) is held mid-handshake.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await listener.close();
      relay.thaw();
      // The held handshake completes at once: a connection kept would be listening by then.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(heard).toEqual([]);
      expect(await open()).toBe(0);
    } finally {
      await admin.end();
      await relay.close();
    }
  });

  it("keeps renewing its other leases while one of its writes waits on a row another session locked", async () => {
    const { database, plain } = await namedDatabase();
    // Each leaf's proof waits until the test lets it finish.
    const gates = new Map<number, () => void>();
    const finished = new Map<number, Promise<void>>();
    for (const index of [1, 2]) finished.set(index, new Promise((resolve) => gates.set(index, resolve)));
    const host = new TestHost("native", 2);
    const prove = host.prove.bind(host);
    let entered = 0;
    host.prove = async (program, input, options) => {
      entered++;
      await finished.get((input as { index: number }).index);
      return prove(program, input, options);
    };
    // Leases of 2 s, renewed every third of that: a loaded CI machine had held the event loop past
    // a 900 ms lease once, and B rightly took leaf 2 over.
    const a = await start(database, { host, scheduling: { instanceId: "a", leaseMs: 2_000 } });
    const blocker = await otherSession(plain);
    try {
      // Leaf 2 first: a takeover looks at lapsed leases in submission order.
      const [two, one] = await a.service.submitMany([leaf(2), leaf(1)], "native");
      await until(() => entered === 2, "A to prove both");
      // An operator's session (or a long report) holds leaf 1's row; leaf 1's proof is stored
      // meanwhile, and its write waits for the row.
      await blocker.query("begin");
      await blocker.query("select id from tasks where id = $1 for update", [one!.task.id]);
      gates.get(1)!();
      // Several leases pass: A, healthy, must keep leaf 2, and B must not take it.
      const b = await start(database, {
        scheduling: { instanceId: "b", leaseMs: 2_000, pollIntervalMs: 100 },
      });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      gates.get(2)!();
      await blocker.query("rollback");
      const done = await Promise.all(
        [one!, two!].map((s) => a.service.wait(s.task.id, { timeoutMs: 10_000 })),
      );
      expect(done.map((t) => t.status)).toEqual(["completed", "completed"]);
      const history = (await a.service.history(two!.task.id)).map((h) => `${h.instance} ${h.outcome}`);
      expect(history).toEqual(["a proven"]);
      expect(b.host.proveCalls).toHaveLength(0);
    } finally {
      for (const release of gates.values()) release();
      await blocker.query("rollback").catch(() => {});
      await blocker.end();
    }
  }, 40_000);
});

describe("a batched write whose transaction never started", () => {
  it("takes items handed in after that failure into a write of their own", async () => {
    // The first write fails before it runs its job, as a group commit does whose `begin` meets a
    // session the server ended; later writes succeed.
    let failNext = true;
    const write = async <T>(job: (trx: never) => Promise<T>): Promise<T> => {
      await new Promise((resolve) => setImmediate(resolve)); // as the group commit waits for its turn
      if (failNext) {
        failNext = false;
        throw new Error("Connection terminated unexpectedly");
      }
      return job(undefined as never);
    };
    const batched = new BatchedWrite<number, number>(write, async (_trx, items) => items.map((i) => i * 2));
    await expect(batched.add(1)).rejects.toThrow("Connection terminated unexpectedly");
    const later = await Promise.race([
      batched.add(2),
      new Promise((resolve) => setTimeout(() => resolve("never written"), 1_000)),
    ]);
    expect(later).toBe(4);
  });
});

describe.runIf(postgres.url !== undefined)(
  "a PostgreSQL that refuses a statement, or is slow to give a connection",
  () => {
    it("does not take a statement the server refused (08P01) for a lost connection, nor retry it", async () => {
      const database = await databaseFor("postgres");
      const db = await open(database);
      // A statement error of class 08 that leaves the session as it was: too few bind parameters
      // (the same code as more than 65535 of them, e.g. a submitMany of 4096+ contexts).
      const refused = await db.db
        .executeQuery(CompiledQuery.raw("select $1::int as a, $2::int as b", [1]))
        .then(
          () => undefined,
          (error: unknown) => error as Error & { code?: string },
        );
      expect(refused?.code).toBe("08P01");
      expect(isConnectionLoss(refused)).toBe(false);
      // The session is fine: the next statement runs.
      await db.db.executeQuery(CompiledQuery.raw("select 1"));

      // Through the group commit: run in the group, then once alone; not five times, 750 ms later.
      const batcher = new WriteBatcher(db.db);
      let runs = 0;
      const started = Date.now();
      await expect(
        batcher.run(async (trx) => {
          runs++;
          return trx.executeQuery(CompiledQuery.raw("select $1::int as a, $2::int as b", [1]));
        }),
      ).rejects.toMatchObject({ code: "08P01" });
      expect(runs).toBe(2);
      expect(Date.now() - started).toBeLessThan(500);
    });

    it("waits for a pooled connection while slow statements hold them all, rather than failing a write after 10 s", async () => {
      const database = await databaseFor("postgres");
      const db = await open(database);
      const store = new TaskStore(db.db, "postgres");
      // A `vacuum full` (a compacting prune) or a migration holds the table: the pool's ten
      // connections all wait in reads, and a write asks the pool for one more.
      const blocker = await otherSession(database);
      try {
        await blocker.query("begin");
        await blocker.query("lock table tasks in access exclusive mode");
        const reads = Array.from({ length: 10 }, (_, i) =>
          store.get(`${i}`.repeat(64)).then(
            () => "read",
            (error: unknown) => (error as Error).message,
          ),
        );
        const write = store
          .insertMany(
            [
              {
                id: "a".repeat(64),
                kind: "leaf",
                backend: "native",
                context: "{}",
                status: "queued",
                phase: "prove",
              },
            ],
            Date.now(),
          )
          .then(
            (stored) => stored.map((s) => s.created),
            (error: unknown) => (error as Error).message,
          );
        // Longer than the group commit's attempt and its one alone, 10 s each.
        await new Promise((resolve) => setTimeout(resolve, 21_000));
        await blocker.query("commit");
        expect(await write).toEqual([true]);
        expect(await Promise.all(reads)).toEqual(Array.from({ length: 10 }, () => "read"));
      } finally {
        await blocker.query("rollback").catch(() => {});
        await blocker.end();
      }
    }, 40_000);
  },
);
