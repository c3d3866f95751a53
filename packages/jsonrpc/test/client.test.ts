import { createServer } from "node:net";
import { classifyFailure, TaskNotFoundError } from "@paas/core";
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineMethod,
  JsonRpcClient,
  JsonRpcError,
  JsonRpcPermanentError,
  JsonRpcTransientError,
  type MethodRegistry,
  RpcErrorCode,
} from "../src/index.js";
import { deadUrl, startRawServer, startServer } from "./helpers.js";

const hex = z.codec(z.string().regex(/^0x([0-9a-f]{2})*$/), z.instanceof(Uint8Array), {
  decode: (text) => Uint8Array.from(Buffer.from(text.slice(2), "hex")),
  encode: (bytes) => `0x${Buffer.from(bytes).toString("hex")}`,
});

const methods: MethodRegistry = {
  bytes: { handler: async () => "0x0102" },
  number: { handler: async () => 42 },
  add: defineMethod({ params: z.tuple([z.int(), z.int()]), handler: ([a, b]) => a + b }),
  slow: { handler: () => new Promise((resolve) => setTimeout(() => resolve("late"), 2_000)) },
  missingTask: { handler: async () => Promise.reject(new TaskNotFoundError("t1")) },
  notFound: {
    handler: async () => Promise.reject(new JsonRpcError(RpcErrorCode.NOT_FOUND, "block 9 not found")),
  },
  crash: { handler: async () => Promise.reject(new Error("boom")) },
  appError: { handler: async () => Promise.reject(new JsonRpcError(-32050, "already proven", { index: 3 })) },
  store: { mutates: true, handler: async () => "stored" },
};

async function failureOf(promise: Promise<unknown>): Promise<JsonRpcTransientError | JsonRpcPermanentError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JsonRpcTransientError || error instanceof JsonRpcPermanentError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("JsonRpcClient", () => {
  it("returns results, decoded by a zod schema or a parse function", async () => {
    const { url } = await startServer({ methods });
    const client = new JsonRpcClient({ url });
    expect(await client.call("add", [2, 3])).toBe(5);
    expect(await client.call("bytes", [], { result: hex })).toEqual(Uint8Array.of(1, 2));
    expect(await client.call("number", undefined, { result: (v) => z.number().parse(v) * 2 })).toBe(84);
  });

  it("fails a result that does not validate as permanent and names the method", async () => {
    const { url } = await startServer({ methods });
    const client = new JsonRpcClient({ url });
    const error = await failureOf(client.call("number", [], { result: hex }));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error).toMatchObject({ method: "number", failure: "malformed" });
    expect(error.message).toMatch(/^number: invalid result: result: /);
    const thrown = await failureOf(
      client.call("number", [], {
        result: () => {
          throw new Error("not a block");
        },
      }),
    );
    expect(thrown.message).toBe("number: invalid result: result: not a block");
  });

  it("classifies a server that is down as transient (unreachable)", async () => {
    const client = new JsonRpcClient({ url: await deadUrl() });
    const error = await failureOf(client.call("number"));
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error.failure).toBe("unreachable");
    expect(error.message).toMatch(/^number: http:\/\/127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\)$/);
    expect(classifyFailure(error)).toBe("transient");
  });

  it("classifies a connection reset as transient (unreachable)", async () => {
    const server = createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const error = await failureOf(new JsonRpcClient({ url: `http://127.0.0.1:${port}/` }).call("number"));
      expect(error).toBeInstanceOf(JsonRpcTransientError);
      expect(error.failure).toBe("unreachable");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("classifies a slow answer as transient (timeout), per client or per call", async () => {
    const { url } = await startServer({ methods, closeGraceMs: 0 });
    const slowClient = new JsonRpcClient({ url, timeoutMs: 100 });
    const error = await failureOf(slowClient.call("slow"));
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error.failure).toBe("timeout");
    expect(error.message).toMatch(/^slow: no answer from http:\/\/127\.0\.0\.1:\d+ within 100 ms$/);
    const perCall = await failureOf(new JsonRpcClient({ url }).call("slow", [], { timeoutMs: 50 }));
    expect(perCall.failure).toBe("timeout");
  });

  it("times out an answer whose body stops after the headers", async () => {
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jsonrpc":"2.0",');
    });
    const error = await failureOf(
      new JsonRpcClient({ url, timeoutMs: 100, retry: { attempts: 1 } }).call("number"),
    );
    expect(error).toMatchObject({ failure: "timeout", method: "number" });
  });

  it("waits as long as the call's timeout says, past the HTTP agent's own limits", async () => {
    // An agent that gives up on headers and bodies after 200 ms stands in for undici's 300 s (its
    // timers fire up to a second late: the server takes 2.5 s for each).
    const agent = getGlobalDispatcher();
    setGlobalDispatcher(new Agent({ headersTimeout: 200, bodyTimeout: 200 }));
    try {
      const url = await startRawServer((_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.write('{"jsonrpc":"2.0",');
          setTimeout(() => res.end('"id":1,"result":7}'), 2_500);
        }, 2_500);
      });
      const client = new JsonRpcClient({ url, retry: { attempts: 1 } });
      expect(await client.call("number", [], { timeoutMs: 30_000 })).toBe(7);
    } finally {
      setGlobalDispatcher(agent);
    }
  });

  it("sends credentials in the URL as Basic auth, not in the request line", async () => {
    const seen: { url?: string; authorization?: string }[] = [];
    const base = await startRawServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      res.end('{"jsonrpc":"2.0","id":1,"result":7}');
    });
    const url = new URL("/key/abc", base);
    url.username = "operator";
    url.password = "p@ss:word";
    expect(await new JsonRpcClient({ url }).call("number")).toBe(7);
    expect(seen).toEqual([
      { url: "/key/abc", authorization: `Basic ${Buffer.from("operator:p@ss:word").toString("base64")}` },
    ]);
  });

  it("sends a password with a bare % as typed, rather than failing to build the client", async () => {
    const seen: (string | undefined)[] = [];
    const base = await startRawServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end('{"jsonrpc":"2.0","id":1,"result":7}');
    });
    const client = new JsonRpcClient({ url: base.replace("http://", "http://operator:50%off@") });
    expect(await client.call("number")).toBe(7);
    expect(seen).toEqual([`Basic ${Buffer.from("operator:50%off").toString("base64")}`]);
  });

  it("sends each header once, whatever the case its name is given in", async () => {
    const seen: string[][] = [];
    const base = await startRawServer((req, res) => {
      seen.push(req.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()));
      res.end('{"jsonrpc":"2.0","id":1,"result":7}');
    });
    const client = new JsonRpcClient({
      url: base.replace("http://", "http://operator:secret@"),
      headers: { "content-type": "application/json-rpc", authorization: "Bearer overridden" },
    });
    expect(await client.call("number")).toBe(7);
    const names = seen[0]!;
    expect(names.filter((name) => name === "content-type")).toHaveLength(1);
    expect(names.filter((name) => name === "authorization")).toHaveLength(1);
  });

  it("reports the caller's own abort as such", async () => {
    const { url } = await startServer({ methods, closeGraceMs: 0 });
    const controller = new AbortController();
    const call = new JsonRpcClient({ url }).call("slow", [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await failureOf(call);
    expect(error.failure).toBe("aborted");
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [404, false],
    [401, false],
    [307, false],
  ])("classifies HTTP %i without a JSON-RPC body (transient: %s)", async (status, transient) => {
    const url = await startRawServer((_req, res) => res.writeHead(status).end("<html>oops</html>"));
    const error = await failureOf(new JsonRpcClient({ url }).call("number"));
    expect(error).toBeInstanceOf(transient ? JsonRpcTransientError : JsonRpcPermanentError);
    expect(error).toMatchObject({ failure: "http-status", httpStatus: status, method: "number" });
    // Named by its endpoint, as "unreachable" is: a URL with a port typed wrong reaches some other server.
    expect(error.message).toBe(`number: HTTP ${status} from ${new URL(url).origin}`);
  });

  it.each([
    ["not JSON", "<html>hello</html>", /the answer is not JSON \(starts with "<html>hello<\/html>"\)$/],
    ["JSON but not JSON-RPC", '{"ok":true}', /the answer is not a JSON-RPC 2\.0 response$/],
    ["a wrong version", '{"jsonrpc":"1.0","id":1,"result":1}', /not a JSON-RPC 2\.0 response$/],
    ["another id", '{"jsonrpc":"2.0","id":999,"result":1}', /response id 999 does not match request id 1$/],
    ["an empty body", "", /the answer is not JSON/],
    ["cut short", '{"jsonrpc":"2.0","id":1,"res', /the answer is not JSON/],
  ])("classifies an answer that is %s as transient (damaged on the way)", async (_name, body, message) => {
    const url = await startRawServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(body),
    );
    const error = await failureOf(new JsonRpcClient({ url, retry: { attempts: 1 } }).call("eth_blockNumber"));
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error.failure).toBe("malformed");
    expect(error.message).toMatch(/^eth_blockNumber: /);
    expect(error.message).toMatch(message);
  });

  it("refuses an answer larger than maxResponseBytes as malformed", async () => {
    const url = await startRawServer((_req, res) =>
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "x".repeat(10_000) })),
    );
    const error = await failureOf(new JsonRpcClient({ url, maxResponseBytes: 1000 }).call("big"));
    expect(error).toMatchObject({ failure: "malformed", message: "big: the answer exceeds 1000 bytes" });
  });

  it.each([
    ["missing", RpcErrorCode.METHOD_NOT_FOUND, false],
    ["add", RpcErrorCode.INVALID_PARAMS, false],
    ["notFound", RpcErrorCode.NOT_FOUND, false],
    ["missingTask", RpcErrorCode.TASK_NOT_FOUND, false],
    ["store", RpcErrorCode.UNAUTHORIZED, false],
    ["crash", RpcErrorCode.INTERNAL_ERROR, true],
    ["appError", -32050, true],
  ])("classifies JSON-RPC error from %s (code %i, transient: %s)", async (method, code, transient) => {
    const { url } = await startServer({ methods, auth: { bearerToken: "t" } });
    const error = await failureOf(new JsonRpcClient({ url }).call(method, ["bad"]));
    expect(error).toBeInstanceOf(transient ? JsonRpcTransientError : JsonRpcPermanentError);
    expect(error).toMatchObject({ method, failure: "rpc-error", rpcCode: code });
    expect(classifyFailure(error)).toBe(transient ? "transient" : "permanent");
  });

  it("keeps the error's data and honours application codes declared permanent", async () => {
    const { url } = await startServer({ methods });
    const error = await failureOf(new JsonRpcClient({ url, permanentCodes: [-32050] }).call("appError"));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error).toMatchObject({ rpcCode: -32050, rpcData: { index: 3 } });
    expect(error.message).toBe("appError: already proven (JSON-RPC error -32050)");
    const missing = await failureOf(new JsonRpcClient({ url }).call("missingTask"));
    expect(missing.rpcData).toEqual({ paasCode: "TASK_NOT_FOUND" });
  });

  it("classifies the server's 413 for an oversized request as permanent", async () => {
    const { url } = await startServer({ methods, maxBodyBytes: 100 });
    const error = await failureOf(new JsonRpcClient({ url }).call("number", ["x".repeat(1000)]));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error).toMatchObject({ rpcCode: RpcErrorCode.INVALID_REQUEST, httpStatus: 413 });
  });

  it("classifies a provider's refusal of its key (HTTP 401, 403) as permanent, whatever code it adds", async () => {
    for (const status of [401, 403]) {
      let requests = 0;
      // Infura's answer to a key its project settings refuse: no id, and a code this package's own
      // table reads as transient (-32002, "service closed").
      const url = await startRawServer((_req, res) => {
        requests++;
        res
          .writeHead(status, { "content-type": "application/json" })
          .end('{"jsonrpc":"2.0","error":{"code":-32002,"message":"rejected due to project ID settings"}}\n');
      });
      const error = await failureOf(new JsonRpcClient({ url }).call("eth_chainId"));
      expect(error, String(status)).toBeInstanceOf(JsonRpcPermanentError);
      expect(error).toMatchObject({ failure: "rpc-error", rpcCode: -32002, httpStatus: status });
      expect(error.message).toBe("eth_chainId: rejected due to project ID settings (JSON-RPC error -32002)");
      expect(requests).toBe(1);
    }
  });

  it("refuses params that cannot be encoded without sending anything", async () => {
    const client = new JsonRpcClient({ url: await deadUrl() });
    const error = await failureOf(client.call("number", [1n]));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error.failure).toBe("invalid-request");
  });

  it("reads an answer with a byte order mark, whitespace and a charset", async () => {
    const url = await startRawServer((_req, res) => {
      res
        .writeHead(200, { "content-type": "application/json; charset=utf-8" })
        .end('\uFEFF \r\n{"jsonrpc":"2.0","id":1,"result":7}\n');
    });
    expect(await new JsonRpcClient({ url, retry: { attempts: 1 } }).call("number")).toBe(7);
  });

  it("sends the bearer token", async () => {
    const { url } = await startServer({ methods, auth: { bearerToken: "t0ken" } });
    expect(await new JsonRpcClient({ url, bearerToken: "t0ken" }).call("store")).toBe("stored");
  });

  it("sends a batch and returns one outcome per call, in order", async () => {
    const { url } = await startServer({ methods });
    const client = new JsonRpcClient({ url });
    const [sum, bytes, missing, invalid] = await client.batch([
      { method: "add", params: [1, 2] },
      { method: "bytes", result: hex },
      { method: "nope" },
      { method: "number", result: hex },
    ] as const);
    expect(sum).toEqual({ ok: true, value: 3 });
    expect(bytes).toEqual({ ok: true, value: Uint8Array.of(1, 2) });
    expect(missing.ok || missing.error).toMatchObject({ rpcCode: RpcErrorCode.METHOD_NOT_FOUND });
    expect(invalid.ok || invalid.error).toBeInstanceOf(JsonRpcPermanentError);
  });

  it("fails every call of a batch the server refused as a whole", async () => {
    const { url } = await startServer({ methods, maxBatchSize: 1 });
    const outcomes = await new JsonRpcClient({ url }).batch([{ method: "number" }, { method: "number" }]);
    for (const outcome of outcomes) {
      expect(outcome.ok || outcome.error).toMatchObject({ rpcCode: RpcErrorCode.INVALID_REQUEST });
    }
  });

  it("rejects a whole batch when the node is unreachable", async () => {
    const client = new JsonRpcClient({ url: await deadUrl() });
    const error = await failureOf(client.batch([{ method: "a" }, { method: "b" }]));
    expect(error).toMatchObject({ failure: "unreachable", method: "batch(a,b)" });
  });
});
