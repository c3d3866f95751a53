import { JsonRpcClient } from "@paas/jsonrpc";
import { afterEach, expect, it } from "vitest";
import { createStubRpc, type StubRpc } from "../src/index.js";

let node: StubRpc | undefined;
afterEach(async () => {
  await node?.close();
});

it("answers a batch call by call, as a node does", async () => {
  node = await createStubRpc({ num_get: (params) => (params as number[])[0]! * 2 });
  node.failNext({ mode: "rpc-error", code: -32004, message: "not found" }, { method: "num_get" });
  const client = new JsonRpcClient({ url: node.url, retry: { attempts: 1 } });
  const [first, second] = await client.batch([
    { method: "num_get", params: [1] },
    { method: "num_get", params: [2] },
  ]);
  expect(first).toMatchObject({ ok: false });
  expect(second).toMatchObject({ ok: true, value: 4 });
  expect(node.callsOf("num_get").map((c) => c.outcome)).toEqual(["rpc-error", "ok"]);
});

it("fails a whole batch when the exchange fails", async () => {
  node = await createStubRpc({ num_get: () => 1 });
  node.failNext({ mode: "http500" });
  const client = new JsonRpcClient({ url: node.url, retry: { attempts: 1 } });
  await expect(
    client.batch([
      { method: "num_get", params: [1] },
      { method: "num_get", params: [2] },
    ]),
  ).rejects.toThrow(/500/);
});
