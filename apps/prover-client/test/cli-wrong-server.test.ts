/**
 * A command pointed at no prover client says so. Given the data directory of one that is stopped
 * (its rpc-token deleted at the stop), it tries the default URL: when nothing answers there, the
 * error says why that URL, not only "http://127.0.0.1:4844 unreachable", a port the operator never
 * named. A port typed wrong that leads to another JSON-RPC server is named as no prover client.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { stubProverRpc } from "../scenarios/stub-rpc.js";
import { rpcClient } from "../src/cli/rpc-client.js";

const dir = mkdtempSync(path.join(tmpdir(), "paas-stopped-client-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A loopback URL nothing listens on: a port just given back. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

it("says that the default URL was tried for want of an rpc-token in the data directory", async () => {
  const url = await closedUrl();
  const client = await rpcClient({ rpc: url, datadir: dir, rpcDefaulted: true });
  const failed = await failureOf(client.call("paas_listTasks", [{}]));
  expect(failed?.message).toBe(
    `paas_listTasks: ${url} unreachable (ECONNREFUSED) (no --rpc, and no rpc-token in ${dir} naming its prover client's URL, so the default was tried: the client of that data directory is stopped, or runs with rpc.auth_token; give --rpc <its URL>)`,
  );
});

it("adds nothing when --rpc was given", async () => {
  const url = await closedUrl();
  const client = await rpcClient({ rpc: url, datadir: dir, token: "t".repeat(32) });
  const failed = await failureOf(client.call("paas_listTasks", [{}]));
  expect(failed?.message).toBe(`paas_listTasks: ${url} unreachable (ECONNREFUSED)`);
});

it("says that a server without the method is no prover client (a port typed wrong)", async () => {
  // What a devnet or an EL node answers a paas_ method.
  const other = await stubProverRpc(({ method }) => ({
    error: { code: -32601, message: `method "${method}" not found` },
  }));
  try {
    const client = await rpcClient({ rpc: other.url, datadir: dir });
    const failed = await failureOf(client.call("paas_listTasks", [{}]));
    expect(failed?.message).toBe(
      `paas_listTasks: method "paas_listTasks" not found (JSON-RPC error -32601) (${other.url} answers JSON-RPC without paas_listTasks: no prover client listens there, or one older than this command; check --rpc)`,
    );
  } finally {
    await other.close();
  }
});
