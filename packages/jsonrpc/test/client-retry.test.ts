import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { JsonRpcClient, JsonRpcPermanentError, JsonRpcTransientError, RpcErrorCode } from "../src/index.js";
import { startRawServer } from "./helpers.js";

type Fault = (req: IncomingMessage, res: ServerResponse) => void;

const FAULTS: Record<string, Fault> = {
  "HTTP 500": (_req, res) => res.writeHead(500).end("<html>upstream error</html>"),
  "a reset connection": (req) => req.socket.destroy(),
  "a truncated body": (_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","id'),
  "no answer within the timeout": () => {},
  "a transient JSON-RPC error": (_req, res) =>
    answer(res, { error: { code: RpcErrorCode.INTERNAL_ERROR, message: "internal error" } }),
};

/** A node that fails the first `failures` requests with `fault`, then answers 42. */
async function flakyNode(fault: Fault, failures: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const url = await startRawServer((req, res) => {
    requests++;
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (requests <= failures) return fault(req, res);
      answer(res, { result: 42, id: JSON.parse(body).id });
    });
  });
  return { url, requests: () => requests };
}

function answer(res: ServerResponse, fields: Record<string, unknown>): void {
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ jsonrpc: "2.0", id: 1, ...fields }));
}

const fast = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

describe("retries within a call", () => {
  it.each(Object.keys(FAULTS))(
    "survives %s twice in a row, answering from the third attempt",
    async (name) => {
      const node = await flakyNode(FAULTS[name]!, 2);
      const client = new JsonRpcClient({ url: node.url, timeoutMs: 200, retry: fast });
      expect(await client.call("eth_blockNumber")).toBe(42);
      expect(node.requests()).toBe(3);
    },
  );

  it("gives up after its attempts with the last failure, still transient for the task's own retry", async () => {
    const node = await flakyNode(FAULTS["HTTP 500"]!, 100);
    const client = new JsonRpcClient({ url: node.url, retry: fast });
    const error = await client.call("eth_blockNumber").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error).toMatchObject({ failure: "http-status", httpStatus: 500 });
    expect(node.requests()).toBe(4);
  });

  it("never repeats a call that is not idempotent: its caller decides", async () => {
    const node = await flakyNode(FAULTS["a reset connection"]!, 1);
    const client = new JsonRpcClient({ url: node.url, retry: fast });
    await expect(client.call("cl_submitCheckpointProof", [], { idempotent: false })).rejects.toBeInstanceOf(
      JsonRpcTransientError,
    );
    expect(node.requests()).toBe(1);
  });

  it("never repeats what the node meant: a permanent error or a result that does not fit", async () => {
    const node = await flakyNode(
      (_req, res) => answer(res, { error: { code: RpcErrorCode.INVALID_PARAMS, message: "bad block" } }),
      100,
    );
    const client = new JsonRpcClient({ url: node.url, retry: fast });
    await expect(client.call("eth_getBlockByNumber")).rejects.toBeInstanceOf(JsonRpcPermanentError);
    expect(node.requests()).toBe(1);
  });

  it("waits out a node that says it is overloaded (HTTP 429, 503), whatever JSON-RPC code it adds", async () => {
    for (const status of [429, 503]) {
      let requests = 0;
      const url = await startRawServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => {
          body += chunk;
        });
        req.on("end", () => {
          const { id } = JSON.parse(body) as { id: number };
          requests++;
          // An Infura-style rate limit: a code this client otherwise reads as permanent.
          const fields =
            requests === 1
              ? { error: { code: RpcErrorCode.PERMANENT_FAILURE, message: "daily request count exceeded" } }
              : { result: 42 };
          res
            .writeHead(requests === 1 ? status : 200, { "content-type": "application/json" })
            .end(JSON.stringify({ jsonrpc: "2.0", id, ...fields }));
        });
      });
      const client = new JsonRpcClient({ url, retry: fast });
      expect(await client.call("eth_blockNumber"), String(status)).toBe(42);
      expect(requests).toBe(2);
    }
  });

  it("reads a code as transient where the server's own table says so (EIP-1474's limit exceeded)", async () => {
    const node = await flakyNode(
      (_req, res) => answer(res, { error: { code: -32005, message: "request rate limited" } }),
      1,
    );
    // The first request's id is 1, which the canned error answers.
    const client = new JsonRpcClient({ url: node.url, retry: fast, transientCodes: [-32005] });
    expect(await client.call("eth_blockNumber")).toBe(42);
    expect(node.requests()).toBe(2);
    const strict = await flakyNode(
      (_req, res) => answer(res, { error: { code: -32005, message: "request rate limited" } }),
      1,
    );
    await expect(
      new JsonRpcClient({ url: strict.url, retry: fast }).call("eth_blockNumber"),
    ).rejects.toBeInstanceOf(JsonRpcPermanentError);
  });

  it.each([
    ["in seconds", () => "1"],
    ["as an HTTP-date", () => new Date(Date.now() + 2_000).toUTCString()],
  ])("waits out a 429's Retry-After given %s before trying again", async (_name, retryAfter) => {
    const asked: number[] = [];
    const node = await flakyNode((_req, res) => {
      asked.push(Date.now());
      res.writeHead(429, { "retry-after": retryAfter() }).end("too many requests");
    }, 1);
    const client = new JsonRpcClient({ url: node.url, retry: fast });
    const started = Date.now();
    expect(await client.call("eth_blockNumber")).toBe(42);
    // An HTTP-date has whole seconds: 2 s ahead is at least 1 s ahead.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(node.requests()).toBe(2);
  });

  it("waits no longer than maxRetryAfterMs for a Retry-After, and stops waiting when the caller aborts", async () => {
    const node = await flakyNode((_req, res) => res.writeHead(503, { "retry-after": "3600" }).end(), 1);
    const capped = new JsonRpcClient({ url: node.url, retry: { ...fast, maxRetryAfterMs: 300 } });
    const started = Date.now();
    expect(await capped.call("eth_blockNumber")).toBe(42);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);

    const slow = await flakyNode((_req, res) => res.writeHead(429, { "retry-after": "3600" }).end(), 100);
    const controller = new AbortController();
    const call = new JsonRpcClient({ url: slow.url, retry: fast }).call("eth_blockNumber", [], {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error("task cancelled"));
    await expect(call).rejects.toMatchObject({ httpStatus: 429, retryAfterMs: 3_600_000 });
    expect(slow.requests()).toBe(1);
  });

  it("retries a batch a rate-limiting node refused as a whole, as it retries a call", async () => {
    let requests = 0;
    const url = await startRawServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        requests++;
        const calls = JSON.parse(body) as { id: number }[];
        if (requests === 1) {
          res
            .writeHead(429, { "content-type": "application/json" })
            .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"rate limited"}}');
          return;
        }
        res.end(JSON.stringify(calls.map(({ id }) => ({ jsonrpc: "2.0", id, result: id }))));
      });
    });
    const outcomes = await new JsonRpcClient({ url, retry: fast }).batch([{ method: "a" }, { method: "b" }]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true]);
    expect(requests).toBe(2);
  });

  it("stops retrying as soon as the caller aborts", async () => {
    const node = await flakyNode(FAULTS["HTTP 500"]!, 100);
    const client = new JsonRpcClient({
      url: node.url,
      retry: { attempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const controller = new AbortController();
    const call = client.call("eth_blockNumber", [], { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error("task cancelled"));
    await expect(call).rejects.toMatchObject({ httpStatus: 500 });
    expect(node.requests()).toBe(1);
  });
});
