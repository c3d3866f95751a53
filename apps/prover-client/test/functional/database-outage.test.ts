/**
 * What an operator sees while the shared PostgreSQL is out of reach (a restart, a failover, a
 * network that drops its packets). The log: a warning naming the outage, kept to a line per
 * window, not each background loop's stack at error (an operator alerting on error lines was paged
 * by every loop of every instance for each restart). The metrics: a scrape that answers, saying the
 * database did not, instead of one waiting on the database for as long as it hangs.
 */
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { createTestDatabase } from "@paas/core/testing";
import { until } from "@paas/testing";
import { describe, expect, inject, it } from "vitest";
import { captureLogger, rpc, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";

const postgres = inject("postgres");
/** Where no node answers: nothing here proves. */
const NO_NODE = "http://127.0.0.1:9/";

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
  it("warns that the database cannot be reached, without a stack or an error line", {
    timeout: 120_000,
  }, async () => {
    const { logger, lines } = captureLogger();
    const { relay, app, dispose } = await startBehindRelay(logger);
    // A dashboard left open: its overview is read from the database every second.
    const dashboard = new AbortController();
    const events = await fetch(`${app.rpcUrl}events`, { signal: dashboard.signal });
    void events.body?.pipeTo(new WritableStream()).catch(() => {});
    try {
      const from = lines().length;
      await relay.down();
      // A read through the API meets the outage too.
      await expect(rpc(app).call("paas_getReport", [])).rejects.toThrow("internal error");
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
    } finally {
      dashboard.abort();
      await relay.up();
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
});
