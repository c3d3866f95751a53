/**
 * With no `rpc.auth_token`, methods that change state still need a token: one made at each start,
 * written to `<datadir>/rpc-token` for its owner only, and deleted at the stop. Only an operator
 * who says so (`rpc.allow_unauthenticated`) runs without one.
 */
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { JsonRpcClient, RPC_TOKEN_FILE } from "@paas/jsonrpc";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli, runPaas, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
});

afterAll(async () => {
  await devnet?.close();
  data?.remove();
});

const runnerOff = "plugin_settings.checkpoint.runner=false";
const submit = (client: JsonRpcClient) =>
  client.call<{ id: string }>("paas_submitTask", [{ kind: "checkpoint", index: 0 }]);

it("needs the token it wrote to the data directory (owner only) to change state, and deletes it at the stop", {
  timeout: 60_000,
}, async () => {
  // A link planted at the name (by whoever could write there first) is replaced, not written through.
  const file = path.join(data.dir, RPC_TOKEN_FILE);
  const victim = path.join(data.dir, "victim");
  writeFileSync(victim, "untouched\n", { mode: 0o644 });
  symlinkSync(victim, file);
  const app = await startApp(testConfig(data.dir, devnet.url, [runnerOff]));
  try {
    expect(readFileSync(victim, "utf8")).toBe("untouched\n");
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(app.rpcTokenFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The token, then the server that takes it.
    expect(readFileSync(file, "utf8")).toBe(`${app.rpcToken}\n${app.rpcUrl}\n`);
    expect(app.rpcToken).toMatch(/^[0-9a-f]{64}$/);
    const anonymous = new JsonRpcClient({ url: app.rpcUrl!, timeoutMs: 10_000 });
    await expect(submit(anonymous)).rejects.toMatchObject({ rpcCode: -32001 });
    // Reads stay open.
    await expect(anonymous.call("paas_getReport", [])).resolves.toBeDefined();
    const operator = new JsonRpcClient({ url: app.rpcUrl!, bearerToken: app.rpcToken! });
    expect((await submit(operator)).id).toMatch(/^[0-9a-f]{32}$/);
    // The CLI sends it to that server, and to no other listener (a port typed wrong).
    const cancelled = await runCli(app.rpcUrl!, ["cancel", "--status", "queued", "--datadir", data.dir]);
    expect(cancelled.stderr).toBe("");
    // An empty PAAS_RPC_TOKEN (an env file's placeholder) is no token: the data directory's is sent.
    const placeholder = await runPaas(
      ["cancel", "--status", "queued", "--datadir", data.dir, "--rpc", app.rpcUrl!],
      { PAAS_RPC_TOKEN: "" },
    );
    expect(placeholder.stderr).toBe("");
    const seen: (string | undefined)[] = [];
    const other = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.setHeader("content-type", "application/json");
      response.end('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"not here"}}');
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = other.address() as AddressInfo;
      await runCli(`http://127.0.0.1:${port}/`, ["cancel", "--status", "queued", "--datadir", data.dir]);
      expect(seen).toEqual([undefined]);
    } finally {
      other.close();
    }
  } finally {
    await app.close();
  }
  expect(existsSync(file)).toBe(false);
});

it("runs without a token, and writes none, only when told to accept that", async () => {
  const app = await startApp(testConfig(data.dir, devnet.url, [runnerOff, "rpc.allow_unauthenticated=true"]));
  try {
    expect(app.rpcToken).toBeUndefined();
    expect(existsSync(path.join(data.dir, RPC_TOKEN_FILE))).toBe(false);
    const anonymous = new JsonRpcClient({ url: app.rpcUrl!, timeoutMs: 10_000 });
    expect((await submit(anonymous)).id).toMatch(/^[0-9a-f]{32}$/);
  } finally {
    await app.close();
  }
});
