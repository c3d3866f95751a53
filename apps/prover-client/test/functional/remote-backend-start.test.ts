/**
 * A remote backend's server is asked at start which key it signs with. Pointed at a server that
 * signs with another key than the backend's `public_key` (one given a new data directory, a key
 * copied wrong) the client used to start as if all was well, prove every task there and refuse each
 * receipt once proven. A refused token was found only by the first task. A server that is down must
 * not keep the client from starting: its tasks wait for it, and readiness says why.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { type ProverServer, startProverServer } from "@paas/prover-server";
import { until } from "@paas/testing";
import { afterEach, expect, it } from "vitest";
import { captureLogger, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import type { ProverApp } from "../../src/app/build-app.js";

const TOKEN = "remote-start-token-0123456789";
/** Where no node answers: these tests start the client without proving anything. */
const NO_NODE = "http://127.0.0.1:9/";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

async function server(datadir: string, port = 0): Promise<ProverServer> {
  const started = await startProverServer({ datadir, port, token: TOKEN, workers: 1 });
  closers.push(() => started.close());
  return started;
}

function remoteConfig(datadir: string, url: string, publicKey: string, token = TOKEN) {
  return testConfig(datadir, NO_NODE, [
    'backends.net.type="remote"',
    `backends.net.url="${url}"`,
    `backends.net.token="${token}"`,
    `backends.net.public_key="${publicKey}"`,
    'default_backend="net"',
    "plugin_settings.checkpoint.runner=false",
  ]);
}

async function startRefusal(config: ReturnType<typeof remoteConfig>): Promise<unknown> {
  return startApp(config).then(
    (app) => app.close().then(() => "started"),
    (error: unknown) => error,
  );
}

async function readiness(app: ProverApp) {
  const answer = await fetch(new URL("ready", app.rpcUrl));
  return (await answer.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
}

it("refuses to start against a server that signs with another key, naming both, before the task database", async () => {
  const data = tempDatadir();
  closers.push(async () => data.remove());
  const prover = await server(path.join(data.dir, "server"));
  const trusted = "ab".repeat(32);
  const error = await startRefusal(remoteConfig(data.dir, prover.url, trusted));
  expect(error).toMatchObject({ code: "INVALID_CONFIG" });
  expect((error as Error).message).toMatch(
    new RegExp(
      `^backends\\.net: the proving server signs receipts with key ${prover.publicKey}, but this backend trusts ${trusted} `,
    ),
  );
  expect(existsSync(path.join(data.dir, "paas.sqlite"))).toBe(false);
});

it("refuses to start when the server refuses the token", async () => {
  const data = tempDatadir();
  closers.push(async () => data.remove());
  const prover = await server(path.join(data.dir, "server"));
  const error = await startRefusal(
    remoteConfig(data.dir, prover.url, prover.publicKey, "not-the-token-0123456789"),
  );
  expect(error).toMatchObject({ code: "INVALID_CONFIG" });
  expect((error as Error).message).toMatch(/^backends\.net: .*the server refused the token \(HTTP 401\)/);
});

it("starts while the server is down, not ready until it answers with the trusted key", {
  timeout: 60_000,
}, async () => {
  const data = tempDatadir();
  closers.push(async () => data.remove());
  const serverDir = path.join(data.dir, "server");
  const first = await server(serverDir);
  const { url, publicKey } = first;
  await first.close();

  const { logger, lines } = captureLogger();
  const app = await startApp(remoteConfig(data.dir, url, publicKey), logger);
  closers.push(() => app.close());
  // The driver's words under `error`, as every line that has no stack says them: `err` is pino's
  // serialised Error, an object, and a log store maps a field to one type (a string there was refused).
  const warned = lines().find((line) =>
    line.msg.startsWith("the remote backend's proving server does not answer"),
  );
  expect(warned).toMatchObject({ level: 40, backend: "net", error: expect.stringContaining("unreachable") });
  expect(warned).not.toHaveProperty("err");
  expect((await readiness(app)).checks["backend net"]).toMatchObject({
    ok: false,
    error: expect.stringContaining("unreachable"),
  });

  // The same data directory, so the same key, on the same port.
  await server(serverDir, Number(new URL(url).port));
  await until(async () => (await readiness(app)).checks["backend net"]?.ok === true, "the backend ready");
});
