/**
 * A JSON-RPC server with a validated method, a mutating method behind a bearer token and a typed
 * error, and a client calling it: results, a batch, and how failures come back classified.
 */
// Entry points load the Reflect polyfill before @paas/core, whose plugin registry uses tsyringe.
import "reflect-metadata";
import { classifyFailure, TaskNotFoundError } from "@paas/core";
import { z } from "zod";
import { createJsonRpcServer, defineMethod, isJsonRpcCallError, JsonRpcClient } from "../src/index.js";

const tasks = new Map<string, string>([["t1", "completed"]]);

const server = createJsonRpcServer({
  methods: {
    getStatus: defineMethod({
      params: z.tuple([z.string().min(1)]),
      handler: ([id]) => {
        const status = tasks.get(id);
        if (status === undefined) throw new TaskNotFoundError(id);
        return { id, status };
      },
    }),
    cancel: defineMethod({
      params: z.tuple([z.string()]),
      mutates: true,
      handler: ([id]) => tasks.set(id, "cancelled").size,
    }),
  },
  auth: { bearerToken: "example-token" },
});
await server.listen();
console.log(`serving on ${server.url}`);

const reader = new JsonRpcClient({ url: server.url, timeoutMs: 2_000 });
const status = await reader.call("getStatus", ["t1"], {
  result: z.object({ id: z.string(), status: z.string() }),
});
console.log("getStatus(t1) =", status);

const outcomes = await reader.batch([
  { method: "getStatus", params: ["t1"] },
  { method: "getStatus", params: [42] },
]);
for (const outcome of outcomes) console.log("batch:", outcome.ok ? outcome.value : outcome.error.message);

for (const [client, method, params] of [
  [reader, "getStatus", ["nope"]],
  [reader, "cancel", ["t1"]],
  [new JsonRpcClient({ url: server.url, bearerToken: "example-token" }), "cancel", ["t1"]],
] as const) {
  try {
    console.log(`${method}:`, await client.call(method, params));
  } catch (error) {
    if (!isJsonRpcCallError(error)) throw error;
    console.log(`${method} failed (${classifyFailure(error)}, code ${error.rpcCode}): ${error.message}`);
  }
}

await server.close();
try {
  await reader.call("getStatus", ["t1"]);
  throw new Error("a closed server answered");
} catch (error) {
  if (!isJsonRpcCallError(error)) throw error;
  console.log(`after close: ${error.failure}, ${classifyFailure(error)}`);
}
