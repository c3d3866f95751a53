import { JsonRpcPermanentError, JsonRpcTransientError } from "@paas/jsonrpc";
import { describe, expect, it } from "vitest";
import { deserializeCallError, serializeCallError } from "../src/rpc/el-thread/protocol.js";

describe("a call error handed back from the EL thread", () => {
  it("keeps its class and every field, the node's Retry-After included", () => {
    const sent = new JsonRpcTransientError("HTTP 429 from http://el", {
      method: "debug_executionWitness",
      failure: "http-status",
      httpStatus: 429,
      retryAfterMs: 3_000,
    });
    const got = deserializeCallError(structuredClone(serializeCallError(sent)));
    expect(got).toBeInstanceOf(JsonRpcTransientError);
    expect({ ...got, message: got.message }).toEqual({ ...sent, message: sent.message });
    expect(got.retryAfterMs).toBe(3_000);
  });

  it("keeps a permanent error permanent", () => {
    const sent = new JsonRpcPermanentError("unauthorized (JSON-RPC error -32002)", {
      method: "debug_executionWitness",
      failure: "rpc-error",
      rpcCode: -32002,
      httpStatus: 403,
    });
    const got = deserializeCallError(structuredClone(serializeCallError(sent)));
    expect(got).toBeInstanceOf(JsonRpcPermanentError);
    expect({ ...got }).toEqual({ ...sent });
  });
});
