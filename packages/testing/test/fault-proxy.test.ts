import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { JsonRpcClient } from "@paas/jsonrpc";
import { expect, it, onTestFinished } from "vitest";
import { startFaultProxy, until } from "../src/index.js";

it("closes its connections to the node when it closes", async () => {
  const target = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: 1 })));
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => {
    target.closeAllConnections();
    target.close();
  });
  const proxy = await startFaultProxy({
    target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`,
  });
  expect(await new JsonRpcClient({ url: proxy.url }).call("a")).toBe(1);
  await proxy.close();
  const open = () => new Promise<number>((resolve) => target.getConnections((_, n) => resolve(n)));
  await until(async () => (await open()) === 0, "the proxy's connections to the node to close", 1_000);
});
