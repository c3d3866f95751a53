/**
 * What an operator sees while the shared PostgreSQL is out of reach (a restart, a failover, a
 * network that drops its packets). The log: a warning naming the outage, kept to a line per
 * window, not each background loop's stack at error (an operator alerting on error lines was paged
 * by every loop of every instance for each restart). The metrics: a scrape that answers, saying the
 * database did not, instead of one waiting on the database for as long as it hangs.
 */
import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { createTestDatabase } from "@paas/core/testing";
import { RpcErrorCode } from "@paas/jsonrpc";
import { until } from "@paas/testing";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { captureLogger, rpc, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";

const postgres = inject("postgres");
/** Where no node answers: nothing here proves. */
const NO_NODE = "http://127.0.0.1:9/";

/**
 * A login role with a schema of its own on the test server, and an admin session to change it
 * (read-only, a new password) and to end its sessions, which the URL's `application_name` finds.
 */
async function privateRole() {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const role = `paas_role_${randomBytes(5).toString("hex")}`;
  const app = `paas_app_${randomBytes(4).toString("hex")}`;
  await admin.query(`create role ${role} login password 'secret'`);
  await admin.query(`create schema ${role} authorization ${role}`);
  const url = new URL(postgres.url!);
  url.username = role;
  url.password = "secret";
  url.searchParams.set("application_name", app);
  const drop = async () => {
    await admin.query(`drop owned by ${role} cascade`);
    await admin.query(`drop role ${role}`);
    await admin.end();
  };
  return { admin, role, app, url, drop };
}

async function fetchText(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/**
 * A TCP relay in front of PostgreSQL that can be taken down (connections dropped, new ones refused)
 * and up again on its port, or made to hang (nothing relayed either way, as over a network that
 * drops the packets) and answer again.
 */
async function relayTo(target: URL): Promise<{
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  hang(): void;
  answer(): void;
}> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  let hanging = false;
  const listen = (port: number) =>
    new Promise<Server>((resolve) => {
      const server = createServer((client) => {
        track(client);
        const upstream = netConnect(Number(target.port || 5432), target.hostname);
        track(upstream);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.pipe(upstream).pipe(client);
        if (hanging) {
          client.pause();
          upstream.pause();
        }
      });
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  let server = await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    hang() {
      hanging = true;
      for (const socket of sockets) socket.pause();
    },
    answer() {
      hanging = false;
      for (const socket of sockets) socket.resume();
    },
    async down() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async up() {
      server = await listen(port);
    },
  };
}

/** A prover client on a fresh PostgreSQL schema, reaching it through a relay the test controls. */
async function startBehindRelay(logger?: Parameters<typeof startApp>[1]) {
  const database = await createTestDatabase("postgres", postgres);
  const { location } = database;
  if (!("url" in location)) throw new Error("expected a PostgreSQL location");
  const relay = await relayTo(new URL(location.url));
  const url = new URL(location.url);
  url.host = `127.0.0.1:${relay.port}`;
  const data = tempDatadir();
  const app = await startApp(
    testConfig(data.dir, NO_NODE, [`database.url="${url.href}"`, `database.schema="${location.schema}"`]),
    logger,
  );
  return {
    relay,
    app,
    async dispose() {
      await app.close();
      data.remove();
      await database.dispose();
    },
  };
}

describe.skipIf(postgres.url === undefined)("while the task database is out of reach", () => {
  it("warns that the database cannot be reached, without a stack or an error line, and says once when it answers again", {
    timeout: 120_000,
  }, async () => {
    const { logger, lines } = captureLogger();
    const { relay, app, dispose } = await startBehindRelay(logger);
    let relayUp = true;
    // A dashboard left open: its overview is read from the database every second.
    const dashboard = new AbortController();
    const events = await fetch(`${app.rpcUrl}events`, { signal: dashboard.signal });
    void events.body?.pipeTo(new WritableStream()).catch(() => {});
    try {
      const from = lines().length;
      await relay.down();
      relayUp = false;
      // A read through the API meets the outage too, and says so (it answered "internal error").
      await expect(rpc(app).call("paas_getReport", [])).rejects.toMatchObject({
        rpcCode: RpcErrorCode.TRANSIENT_FAILURE,
        message: expect.stringContaining("the task database cannot be reached"),
      });
      const outage = () => lines().slice(from);
      const outageWarning = "the task database cannot be reached; retrying";
      await until(
        // The warning, or (as before) a loop's error line, whichever comes first.
        () => outage().some((line) => line.msg === outageWarning || (line.level >= 50 && !line.method)),
        "a background loop meets the outage",
        60_000,
      );
      const serious = outage().filter((line) => line.level >= 40);
      expect(serious.filter((line) => line.level >= 50)).toEqual([]);
      expect(serious.filter((line) => typeof line.err === "object")).toEqual([]);
      expect(serious.find((line) => line.msg === "RPC call failed")).toMatchObject({
        level: 40,
        method: "paas_getReport",
        error: expect.any(String),
      });
      // Every loop that met it (ticks, heartbeats, lease renewals, the dashboard's overview) says the
      // one line, once per window for each way the driver put it (connections reset, then refused).
      const warnings = serious.filter((line) => line.msg === outageWarning);
      expect(new Set(warnings.map((line) => line.error)).size).toBe(warnings.length);

      // Back: one info line, at the first heartbeat the database takes, says how long it lasted.
      await relay.up();
      relayUp = true;
      const answersAgain = () => outage().filter((line) => line.msg === "the task database answers again");
      await until(() => answersAgain().length > 0, "the line saying the database answers again", 60_000);
      expect(answersAgain()).toEqual([
        expect.objectContaining({ level: 30, outageMs: expect.any(Number), since: expect.any(String) }),
      ]);
      expect(answersAgain()[0]!.outageMs).toBeGreaterThan(0);
    } finally {
      dashboard.abort();
      if (!relayUp) await relay.up();
      await dispose();
    }
  });

  it("answers a scrape while the database hangs, saying it did not answer", {
    timeout: 120_000,
  }, async () => {
    const { relay, app, dispose } = await startBehindRelay();
    try {
      expect((await fetchText(`${app.rpcUrl}metrics`)).body).toMatch(/^paas_task_database_up 1$/m);
      relay.hang();
      // Before, the scrape waited on the database for as long as it hung: Prometheus gave up on
      // the whole target (`up == 0`).
      const { status, body } = await fetchText(`${app.rpcUrl}metrics`);
      expect(status).toBe(200);
      expect(body).toMatch(/^paas_task_database_up 0$/m);
      expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(body).toMatch(/^paas_checkpoint_seconds_since_last_acceptance \d/m);
      expect(body).not.toMatch(/^paas_tasks\{/m);
    } finally {
      relay.answer();
      await dispose();
    }
  });

  it("answers the report and the overview while the list of instances is locked, saying the database did not answer", {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase("postgres", postgres);
    const { location } = database;
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    const data = tempDatadir();
    const app = await startApp(
      testConfig(data.dir, NO_NODE, [
        `database.url="${location.url}"`,
        `database.schema="${location.schema}"`,
      ]),
    );
    // As the dashboard asks: one request, no retries.
    const ask = async (method: string) => {
      const response = await fetch(app.rpcUrl!, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
        signal: AbortSignal.timeout(30_000),
      });
      return (await response.json()) as { result?: unknown; error?: { message: string } };
    };
    // A session holding the table (a newer version's migration, an operator's VACUUM FULL).
    const locker = new pg.Client({ connectionString: location.url });
    await locker.connect();
    try {
      expect((await ask("paas_getOverview")).result).toBeDefined();
      await locker.query("begin");
      await locker.query(`lock table "${location.schema}".instances in access exclusive mode`);
      // Before, the list of instances was read without the reads' deadline: both waited for as
      // long as the lock was held, and the dashboard's overview stood still without a word.
      for (const method of ["paas_getReport", "paas_getOverview"]) {
        const started = Date.now();
        expect((await ask(method)).error?.message).toMatch(/^the task database did not answer within 10 s/);
        expect(Date.now() - started).toBeLessThan(15_000);
      }
    } finally {
      await locker.query("rollback").catch(() => {});
      await locker.end();
      await app.close();
      data.remove();
      await database.dispose();
    }
  });

  it("is not ready while the database answers reads and refuses its writes, as a standby after a failover", {
    timeout: 120_000,
  }, async () => {
    // A role and schema of the test's own: the shared server's settings are not touched.
    const { admin, role, app, url, drop } = await privateRole();
    // What a failover to a standby does to the sessions the address leads to.
    const readOnly = async (on: boolean) => {
      await admin.query(`alter role ${role} ${on ? "set default_transaction_read_only = on" : "reset all"}`);
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
        [app],
      );
    };
    const data = tempDatadir();
    let prover: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      prover = await startApp(
        testConfig(data.dir, NO_NODE, [
          `database.url="${url.href}"`,
          `database.schema="${role}"`,
          "cluster.lease_ms=1000",
        ]),
      );
      const rpcUrl = prover.rpcUrl;
      // No node answers here: the database's own check is what is read.
      const database = async () =>
        (
          (await (await fetch(`${rpcUrl}ready`)).json()) as {
            checks: Record<string, { ok: boolean; error?: string }>;
          }
        ).checks.database!;
      await until(async () => (await database()).ok, "the database ready");
      await readOnly(true);
      // Before, reads answering was enough: ready while nothing could be claimed or stored here.
      // Waited for by its reason: the sessions just ended may first fail a read on their own.
      await until(
        async () => {
          const check = await database();
          return !check.ok && /^no write has reached it for \d+ s/.test(check.error ?? "");
        },
        "the database not ready, saying no write reaches it, while it refuses writes",
        15_000,
      );
      await readOnly(false);
      await until(async () => (await database()).ok, "the database ready again once it takes writes", 30_000);
    } finally {
      await readOnly(false);
      await prover?.close();
      data.remove();
      await drop();
    }
  });

  it("says a password the server no longer takes (rotated under a running instance) in one error line per window, without a stack", {
    timeout: 120_000,
  }, async () => {
    const { admin, role, app, url, drop } = await privateRole();
    const { logger, lines } = captureLogger();
    const data = tempDatadir();
    let prover: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      prover = await startApp(
        testConfig(data.dir, NO_NODE, [`database.url="${url.href}"`, `database.schema="${role}"`]),
        logger,
      );
      const from = lines().length;
      await admin.query(`alter role ${role} password 'rotated'`);
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
        [app],
      );
      const refused = () =>
        lines()
          .slice(from)
          .filter((line) => line.level >= 50);
      await until(() => refused().length > 0, "a loop meets the refused password", 30_000);
      // Long enough for every loop (ticks, heartbeats, lease renewals) to meet it.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // A stack of the driver's internals told an operator nothing the message does not.
      expect(refused().filter((line) => typeof line.err === "object")).toEqual([]);
      expect(refused()).toEqual([
        expect.objectContaining({
          msg: expect.stringMatching(/^the task database refuses this instance's credentials/),
          code: "28P01",
          error: `password authentication failed for user "${role}"`,
        }),
      ]);
    } finally {
      await prover?.close();
      data.remove();
      await drop();
    }
  });
});
