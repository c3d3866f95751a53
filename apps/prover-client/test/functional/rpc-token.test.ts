/**
 * With no `rpc.auth_token`, methods that change state still need a token: one made at each start,
 * written to `<datadir>/rpc-token` for its owner only, and deleted at the stop. Only an operator
 * who says so (`rpc.allow_unauthenticated`) runs without one.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { JsonRpcClient } from "@paas/jsonrpc";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";
import { RPC_TOKEN_FILE } from "../../src/app/rpc-token.js";

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

it("needs the token it wrote to the data directory (owner only) to change state, and deletes it at the stop", async () => {
  const app = await startApp(testConfig(data.dir, devnet.url, [runnerOff]));
  const file = path.join(data.dir, RPC_TOKEN_FILE);
  try {
    expect(app.rpcTokenFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(app.rpcToken);
    expect(app.rpcToken).toMatch(/^[0-9a-f]{64}$/);
    const anonymous = new JsonRpcClient({ url: app.rpcUrl!, timeoutMs: 10_000 });
    await expect(submit(anonymous)).rejects.toMatchObject({ rpcCode: -32001 });
    // Reads stay open.
    await expect(anonymous.call("paas_getReport", [])).resolves.toBeDefined();
    const operator = new JsonRpcClient({ url: app.rpcUrl!, bearerToken: readFileSync(file, "utf8") });
    expect((await submit(operator)).id).toMatch(/^[0-9a-f]{32}$/);
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
