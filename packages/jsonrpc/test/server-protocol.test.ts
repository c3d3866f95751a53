import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineMethod, dispatchBody, type MethodRegistry, RpcErrorCode } from "../src/index.js";
import { post, rpc, startServer } from "./helpers.js";

const methods: MethodRegistry = {
  echo: { handler: async (params) => params },
  nothing: { handler: async () => undefined },
  add: defineMethod({
    params: z.tuple([z.int(), z.int()]),
    handler: ([a, b]) => a + b,
  }),
  bigint: { handler: async () => 1n },
};

describe("JSON-RPC server: protocol", () => {
  it("answers a call with its result and id", async () => {
    const { url } = await startServer({ methods });
    expect(await rpc(url, { jsonrpc: "2.0", id: 7, method: "add", params: [2, 3] })).toEqual({
      jsonrpc: "2.0",
      id: 7,
      result: 5,
    });
    expect(await rpc(url, { jsonrpc: "2.0", id: "s", method: "echo", params: { a: 1 } })).toEqual({
      jsonrpc: "2.0",
      id: "s",
      result: { a: 1 },
    });
  });

  it("answers an undefined result as null", async () => {
    const { url } = await startServer({ methods });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method: "nothing" })).toMatchObject({ result: null });
  });

  it("answers a body that is not JSON with a parse error and a null id", async () => {
    const { url } = await startServer({ methods });
    const { status, text } = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: RpcErrorCode.PARSE_ERROR, message: "parse error: body is not valid JSON" },
    });
  });

  it("answers a body that is not UTF-8 with a parse error, rather than reading its bytes as others", async () => {
    const { url } = await startServer({ methods });
    // "café" in Latin-1: read loosely, the call ran with "caf\uFFFD".
    const latin1 = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"echo","params":["café"]}', "latin1");
    const response = await fetch(url, {
      method: "POST",
      body: latin1,
      headers: { "content-type": "application/json" },
    });
    expect(await response.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: RpcErrorCode.PARSE_ERROR, message: "parse error: body is not valid UTF-8" },
    });
  });

  it("reads a request with a byte order mark and whitespace around it", async () => {
    const { url } = await startServer({ methods });
    const body = '\uFEFF \n{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}\n';
    const { status, text } = await post(url, body, { "content-type": "application/json; charset=utf-8" });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ id: 1, result: [1] });
  });

  it.each([
    ["a number", 1, null, "a request must be a JSON object"],
    ["no version", { id: 1, method: "echo" }, 1, 'jsonrpc must be "2.0"'],
    ["a wrong version", { jsonrpc: "1.0", id: 2, method: "echo" }, 2, 'jsonrpc must be "2.0"'],
    ["a missing method", { jsonrpc: "2.0", id: 3 }, 3, "method must be a non-empty string"],
    ["a numeric method", { jsonrpc: "2.0", id: 4, method: 4 }, 4, "method must be a non-empty string"],
    [
      "scalar params",
      { jsonrpc: "2.0", id: 5, method: "echo", params: 5 },
      5,
      "params must be an array or an object",
    ],
    [
      "an object id",
      { jsonrpc: "2.0", id: { x: 1 }, method: "echo" },
      null,
      "id must be a string, a number or null",
    ],
  ])("answers %s with invalid request", async (_name, payload, id, why) => {
    const { url } = await startServer({ methods });
    expect(await rpc(url, payload)).toEqual({
      jsonrpc: "2.0",
      id,
      error: { code: RpcErrorCode.INVALID_REQUEST, message: `invalid request: ${why}` },
    });
  });

  it("answers an unknown method, including names that exist on Object.prototype", async () => {
    const { url } = await startServer({ methods });
    for (const method of ["nope", "constructor", "__proto__", "toString"]) {
      expect(await rpc(url, { jsonrpc: "2.0", id: 1, method })).toEqual({
        jsonrpc: "2.0",
        id: 1,
        error: { code: RpcErrorCode.METHOD_NOT_FOUND, message: `method "${method}" not found` },
      });
    }
  });

  it("answers params that fail validation with -32602 naming what is wrong", async () => {
    const { url } = await startServer({ methods });
    const answer = (await rpc(url, { jsonrpc: "2.0", id: 1, method: "add", params: [1, "two"] })) as {
      error: { code: number; message: string };
    };
    expect(answer.error.code).toBe(RpcErrorCode.INVALID_PARAMS);
    expect(answer.error.message).toMatch(/^params\[1\]: .*expected number, received string/);
    const missing = (await rpc(url, { jsonrpc: "2.0", id: 2, method: "add" })) as {
      error: { message: string };
    };
    expect(missing.error.message).toMatch(/^params: .*>=2 items/);
  });

  it("runs a notification without answering", async () => {
    const seen = vi.fn();
    const { url } = await startServer({ methods: { note: { handler: async (p) => seen(p) } } });
    const { status, text } = await post(
      url,
      JSON.stringify({ jsonrpc: "2.0", method: "note", params: ["hi"] }),
    );
    expect(status).toBe(204);
    expect(text).toBe("");
    expect(seen).toHaveBeenCalledWith(["hi"]);
  });

  it("answers a batch in order, leaving out notifications", async () => {
    const { url } = await startServer({ methods });
    const answer = await rpc(url, [
      { jsonrpc: "2.0", id: 1, method: "add", params: [1, 1] },
      { jsonrpc: "2.0", method: "echo", params: ["note"] },
      { jsonrpc: "2.0", id: 2, method: "missing" },
      "garbage",
      { jsonrpc: "2.0", id: 3, method: "echo", params: ["x"] },
    ]);
    expect(answer).toEqual([
      { jsonrpc: "2.0", id: 1, result: 2 },
      {
        jsonrpc: "2.0",
        id: 2,
        error: { code: RpcErrorCode.METHOD_NOT_FOUND, message: 'method "missing" not found' },
      },
      {
        jsonrpc: "2.0",
        id: null,
        error: {
          code: RpcErrorCode.INVALID_REQUEST,
          message: "invalid request: a request must be a JSON object",
        },
      },
      { jsonrpc: "2.0", id: 3, result: ["x"] },
    ]);
  });

  it("answers a batch of notifications only with no body", async () => {
    const { url } = await startServer({ methods });
    const { status, text } = await post(url, JSON.stringify([{ jsonrpc: "2.0", method: "echo" }]));
    expect(status).toBe(204);
    expect(text).toBe("");
  });

  it("refuses an empty batch and an oversized batch with one invalid-request error", async () => {
    const { url } = await startServer({ methods, maxBatchSize: 2 });
    expect(await rpc(url, [])).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: {
        code: RpcErrorCode.INVALID_REQUEST,
        message: "invalid request: an empty batch is not a valid request",
      },
    });
    const call = { jsonrpc: "2.0", id: 1, method: "nothing" };
    expect(await rpc(url, [call, call, call])).toMatchObject({
      id: null,
      error: {
        code: RpcErrorCode.INVALID_REQUEST,
        message: "invalid request: a batch of 3 requests exceeds the limit of 2",
      },
    });
  });

  it("stops running a batch once its answers pass the cap, answering each call left with why", async () => {
    let runs = 0;
    const reads: MethodRegistry = {
      page: {
        handler: async () => {
          runs += 1;
          return "x".repeat(100);
        },
      },
    };
    const page = (id: number) => ({ jsonrpc: "2.0", id, method: "page" });
    const body = JSON.stringify([page(1), page(2), page(3), { jsonrpc: "2.0", method: "page" }, page(4)]);
    const scope = { authenticated: true, signal: new AbortController().signal };
    const answer = await dispatchBody(body, scope, {
      methods: new Map(Object.entries(reads)),
      maxBatchSize: 10,
      authRequired: false,
      maxBatchResponseBytes: 150,
    });
    const answers = JSON.parse(answer as string) as {
      id: number;
      result?: string;
      error?: { code: number; message: string };
    }[];
    expect(runs).toBe(2);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3, 4]);
    expect(answers[1]!.result).toHaveLength(100);
    for (const left of answers.slice(2)) {
      expect(left.error).toEqual({
        code: RpcErrorCode.RESPONSE_TOO_LARGE,
        message:
          "not run: this batch's answers passed 150 bytes; send the remaining calls in another request",
      });
    }
  });

  it("fails only the call whose result cannot be serialised", async () => {
    const { url } = await startServer({ methods });
    expect(
      await rpc(url, [
        { jsonrpc: "2.0", id: 1, method: "bigint" },
        { jsonrpc: "2.0", id: 2, method: "add", params: [2, 2] },
      ]),
    ).toEqual([
      { jsonrpc: "2.0", id: 1, error: { code: RpcErrorCode.INTERNAL_ERROR, message: "internal error" } },
      { jsonrpc: "2.0", id: 2, result: 4 },
    ]);
  });
});
