import {
  InvalidContextError,
  InvalidParamsError,
  TaskNotFoundError,
  UnknownBackendError,
  UnknownKindError,
} from "@paas/core";
import { describe, expect, it, vi } from "vitest";
import { JsonRpcError, RpcErrorCode } from "../src/index.js";
import { post, rpc, startServer } from "./helpers.js";

const SECRET = "db password is hunter2";

const methods = {
  taskNotFound: { handler: async () => Promise.reject(new TaskNotFoundError("checkpoint:7@native")) },
  unknownKind: { handler: async () => Promise.reject(new UnknownKindError("zk", ["checkpoint"])) },
  unknownBackend: { handler: async () => Promise.reject(new UnknownBackendError("sp1", ["native"])) },
  invalidContext: { handler: async () => Promise.reject(new InvalidContextError("index must be >= 0")) },
  invalidParams: { handler: async () => Promise.reject(new InvalidParamsError("start must not exceed end")) },
  custom: { handler: async () => Promise.reject(new JsonRpcError(-32050, "already proven", { index: 3 })) },
  crash: {
    handler: async () => {
      throw new Error(SECRET);
    },
  },
  crashWithString: { handler: async () => Promise.reject(SECRET) },
};

describe("JSON-RPC server: errors thrown by handlers", () => {
  it.each([
    ["taskNotFound", RpcErrorCode.TASK_NOT_FOUND, "TASK_NOT_FOUND", "task checkpoint:7@native not found"],
    [
      "unknownKind",
      RpcErrorCode.UNKNOWN_KIND,
      "UNKNOWN_KIND",
      'no plugin registered for kind "zk" (registered: checkpoint)',
    ],
    [
      "unknownBackend",
      RpcErrorCode.UNKNOWN_BACKEND,
      "UNKNOWN_BACKEND",
      'backend "sp1" is not configured (configured: native)',
    ],
    ["invalidContext", RpcErrorCode.INVALID_CONTEXT, "INVALID_CONTEXT", "index must be >= 0"],
    ["invalidParams", RpcErrorCode.INVALID_PARAMS, "INVALID_PARAMS", "start must not exceed end"],
  ])("maps %s to its own code with the core code in data", async (method, code, paasCode, message) => {
    const { url } = await startServer({ methods });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method })).toEqual({
      jsonrpc: "2.0",
      id: 1,
      error: { code, message, data: { paasCode } },
    });
  });

  it("gives each typed error a distinct code", async () => {
    const { url } = await startServer({ methods });
    const names = ["taskNotFound", "unknownKind", "unknownBackend", "invalidContext", "invalidParams"];
    const answers = (await rpc(
      url,
      names.map((method, id) => ({ jsonrpc: "2.0", id, method })),
    )) as { error: { code: number } }[];
    expect(new Set(answers.map((a) => a.error.code)).size).toBe(names.length);
  });

  it("passes a JsonRpcError's code and data through", async () => {
    const { url } = await startServer({ methods });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method: "custom" })).toMatchObject({
      error: { code: -32050, message: "already proven", data: { index: 3 } },
    });
  });

  it("answers an unknown exception with a bare internal error and reports it to onError", async () => {
    const onError = vi.fn();
    const { url } = await startServer({ methods, onError });
    for (const method of ["crash", "crashWithString"]) {
      const { text } = await post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method }));
      expect(JSON.parse(text)).toEqual({
        jsonrpc: "2.0",
        id: 1,
        error: { code: RpcErrorCode.INTERNAL_ERROR, message: "internal error" },
      });
      expect(text).not.toContain("hunter2");
      expect(text).not.toMatch(/\bat .*:\d+/);
    }
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(Error);
    expect(onError.mock.calls[0]![1]).toEqual({
      method: "crash",
      sent: { code: RpcErrorCode.INTERNAL_ERROR, message: "internal error" },
    });
  });

  it("reports calls refused before their handler ran (unknown method, missing token) to onError", async () => {
    const onError = vi.fn();
    const { url } = await startServer({
      methods: { ...methods, store: { mutates: true, handler: async () => "stored" } },
      auth: { bearerToken: "s3cret" },
      onError,
    });
    await rpc(url, { jsonrpc: "2.0", id: 1, method: "nope" });
    await rpc(url, { jsonrpc: "2.0", id: 2, method: "store" });
    expect(onError.mock.calls.map(([, info]) => [info.method, info.sent.code])).toEqual([
      ["nope", RpcErrorCode.METHOD_NOT_FOUND],
      ["store", RpcErrorCode.UNAUTHORIZED],
    ]);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(JsonRpcError);
  });

  it("keeps answering when onError itself throws", async () => {
    const { url } = await startServer({
      methods,
      onError: () => {
        throw new Error("logger down");
      },
    });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method: "crash" })).toMatchObject({
      error: { code: RpcErrorCode.INTERNAL_ERROR },
    });
  });
});
