import { InvalidParamsError, PermanentError, TransientError } from "@paas/core";
import { JsonRpcClient, type MethodRegistry, RpcErrorCode } from "@paas/jsonrpc";
import { describe, expect, it } from "vitest";
import {
  batchInfoForCheckpoint,
  CL_MAX_BLOCKS_PER_CALL,
  ClClient,
  ClErrorCode,
  clNotFound,
  defineClMethod,
  invalidCheckpointProof,
  invalidProofReason,
  RollupParamsJson,
  SignedL2BlockJson,
  toHex,
} from "../src/index.js";
import { buildChain, PARAMS } from "./fixtures.js";
import { deadUrl, failure, serve } from "./rpc-helpers.js";

const chain = buildChain(8);
const TOKEN = "cl-token";

/** A canned CL: 8 blocks, checkpoints 0 and 1, checkpoint 0 proven. */
function cannedCl(submitted: Uint8Array[] = []): MethodRegistry {
  const proven = new Set([0]);
  const checkpoint = (index: number) => {
    if (index > 1) throw clNotFound(`checkpoint ${index}`);
    return batchInfoForCheckpoint(index, PARAMS);
  };
  return {
    cl_getRollupParams: defineClMethod("cl_getRollupParams", () => PARAMS),
    cl_getLatestCheckpointIndex: defineClMethod("cl_getLatestCheckpointIndex", () => 1),
    cl_getNextUnprovenCheckpointIndex: defineClMethod("cl_getNextUnprovenCheckpointIndex", () =>
      proven.has(1) ? null : 1,
    ),
    cl_getCheckpointInfo: defineClMethod("cl_getCheckpointInfo", ([index]) => checkpoint(index)),
    cl_getBlocksInRange: defineClMethod("cl_getBlocksInRange", ([start, end]) => {
      if (end > chain.built.length) throw clNotFound(`slot ${end}`);
      return chain.built.slice(start - 1, end).map((b) => b.block);
    }),
    cl_getChainstate: defineClMethod("cl_getChainstate", ([slot]) => {
      const chainstate = chain.chainstates[slot];
      if (chainstate === undefined) throw clNotFound(`chainstate at slot ${slot}`);
      return chainstate;
    }),
    cl_submitCheckpointProof: defineClMethod("cl_submitCheckpointProof", ([index, receipt]) => {
      checkpoint(index);
      if (receipt.length === 0) throw invalidCheckpointProof(index, "empty receipt");
      submitted.push(receipt);
      const outcome = proven.has(index) ? "already-proven" : "accepted";
      proven.add(index);
      return { index, outcome };
    }),
    cl_getCheckpointStatus: defineClMethod("cl_getCheckpointStatus", ([index]) => {
      checkpoint(index);
      return { index, status: proven.has(index) ? "proven" : "unproven" };
    }),
  };
}

describe("ClClient against a CL served with the shared protocol", () => {
  it("reads params, checkpoints, blocks and chainstates, decoded", async () => {
    const cl = new ClClient({ url: await serve({ methods: cannedCl() }) });
    expect(await cl.getRollupParams()).toEqual(PARAMS);
    expect(await cl.getLatestCheckpointIndex()).toBe(1);
    expect(await cl.getNextUnprovenCheckpointIndex()).toBe(1);
    expect(await cl.getCheckpointInfo(1)).toEqual({ index: 1, epoch: 1, l2Range: { start: 5, end: 8 } });
    expect(await cl.getBlocksInRange(5, 8)).toEqual(chain.built.slice(4, 8).map((b) => b.block));
    expect(await cl.getChainstate(4)).toEqual(chain.chainstates[4]);
    expect(await cl.getCheckpointStatus(0)).toEqual({ index: 0, status: "proven" });
  });

  it("submits a proof: accepted once, then already proven, with the receipt as sent", async () => {
    const submitted: Uint8Array[] = [];
    const url = await serve({ methods: cannedCl(submitted), auth: { bearerToken: TOKEN } });
    const cl = new ClClient({ url, bearerToken: TOKEN });
    const receipt = Uint8Array.of(1, 2, 3);
    expect(await cl.submitCheckpointProof(1, receipt)).toEqual({ index: 1, outcome: "accepted" });
    expect(await cl.submitCheckpointProof(1, receipt)).toEqual({ index: 1, outcome: "already-proven" });
    expect(submitted).toEqual([receipt, receipt]);
    expect(await cl.getCheckpointStatus(1)).toEqual({ index: 1, status: "proven" });
    expect(await cl.getNextUnprovenCheckpointIndex()).toBeNull();
  });

  it("reads a range wider than one call may ask for in calls the CL takes, in order", async () => {
    const long = buildChain(CL_MAX_BLOCKS_PER_CALL + 6);
    const asked: [number, number][] = [];
    const url = await serve({
      methods: {
        cl_getBlocksInRange: defineClMethod("cl_getBlocksInRange", ([start, end]) => {
          asked.push([start, end]);
          // The protocol's bound, as the devnet enforces it.
          if (end - start + 1 > CL_MAX_BLOCKS_PER_CALL) throw new InvalidParamsError("range too wide");
          return long.built.slice(start - 1, end).map((b) => b.block);
        }),
      },
    });
    const blocks = await new ClClient({ url }).getBlocksInRange(3, CL_MAX_BLOCKS_PER_CALL + 6);
    expect(blocks.map((b) => b.header.slot)).toEqual(
      Array.from({ length: CL_MAX_BLOCKS_PER_CALL + 4 }, (_, i) => i + 3),
    );
    expect(asked).toEqual([
      [3, CL_MAX_BLOCKS_PER_CALL + 2],
      [CL_MAX_BLOCKS_PER_CALL + 3, CL_MAX_BLOCKS_PER_CALL + 6],
    ]);
  });

  it("needs the bearer token to submit when the CL has one", async () => {
    const url = await serve({ methods: cannedCl(), auth: { bearerToken: TOKEN } });
    const error = await failure(new ClClient({ url }).submitCheckpointProof(1, Uint8Array.of(1)));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.rpcCode).toBe(RpcErrorCode.UNAUTHORIZED);
  });

  it("fails a rejected proof permanently, with the CL's reason", async () => {
    const cl = new ClClient({ url: await serve({ methods: cannedCl() }) });
    const error = await failure(cl.submitCheckpointProof(1, new Uint8Array()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ rpcCode: ClErrorCode.INVALID_PROOF, method: "cl_submitCheckpointProof" });
    expect(invalidProofReason(error)).toBe("empty receipt");
    expect(invalidProofReason(new Error("other"))).toBeUndefined();
  });

  it("fails what does not exist permanently", async () => {
    const cl = new ClClient({ url: await serve({ methods: cannedCl() }) });
    const error = await failure(cl.getCheckpointInfo(7));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ rpcCode: ClErrorCode.NOT_FOUND });
    expect(error.message).toBe("cl_getCheckpointInfo: checkpoint 7 not found (JSON-RPC error -32004)");
  });

  it("refuses invalid params before sending, and the server refuses them too", async () => {
    const url = await serve({ methods: cannedCl() });
    const error = await failure(new ClClient({ url }).getBlocksInRange(6, 5));
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error.message).toBe("cl_getBlocksInRange: params: start slot must not exceed end slot");
    const raw = await failure(new JsonRpcClient({ url }).call("cl_getCheckpointInfo", ["one"]));
    expect(raw).toMatchObject({ rpcCode: RpcErrorCode.INVALID_PARAMS });
    expect(raw.message).toContain("params[0]: Invalid input: expected number, received string");
  });

  it("fails a server that is down transiently", async () => {
    const error = await failure(new ClClient({ url: await deadUrl() }).getLatestCheckpointIndex());
    expect(error).toBeInstanceOf(TransientError);
    expect(error.failure).toBe("unreachable");
  });

  it("refuses an answer far larger than any the CL gives as it is read, not after buffering it", async () => {
    // 20 MiB for an index: a CL answering garbage had up to 256 MiB read (the JSON-RPC client's
    // default) per attempt, for each of the runner's two calls per tick, before it was refused.
    const huge = "x".repeat(20 * 1024 * 1024);
    const url = await serve({ methods: { cl_getLatestCheckpointIndex: { handler: async () => huge } } });
    const error = await failure(new ClClient({ url }).getLatestCheckpointIndex());
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ method: "cl_getLatestCheckpointIndex", failure: "malformed" });
    expect(error.message).toContain(`the answer exceeds ${16 * 1024 * 1024} bytes`);
  });

  describe("fails malformed answers permanently, naming the method", () => {
    const block5 = SignedL2BlockJson.encode(chain.built[4]!.block);
    const cases: [string, string, unknown, (cl: ClClient) => Promise<unknown>, string][] = [
      [
        "params with a short key",
        "cl_getRollupParams",
        { ...RollupParamsJson.encode(PARAMS), sequencerPublicKey: "0x12" },
        (cl) => cl.getRollupParams(),
        "result.sequencerPublicKey: expected 0x-prefixed hex of 32 bytes",
      ],
      [
        "a string index",
        "cl_getLatestCheckpointIndex",
        "3",
        (cl) => cl.getLatestCheckpointIndex(),
        "result: Invalid input: expected number, received string",
      ],
      [
        "another checkpoint",
        "cl_getCheckpointInfo",
        { index: 2, epoch: 2, l2Range: { start: 9, end: 12 } },
        (cl) => cl.getCheckpointInfo(1),
        "result: asked for checkpoint 1, got 2",
      ],
      [
        "other slots",
        "cl_getBlocksInRange",
        [block5],
        (cl) => cl.getBlocksInRange(5, 6),
        "result: asked for slots 5..6, got [5]",
      ],
      [
        "a bad signature length",
        "cl_getBlocksInRange",
        [{ ...block5, signature: toHex(new Uint8Array(63)) }],
        (cl) => cl.getBlocksInRange(5, 5),
        "result[0].signature: expected 0x-prefixed hex of 64 bytes",
      ],
      [
        "an unknown outcome",
        "cl_submitCheckpointProof",
        { index: 1, outcome: "maybe" },
        (cl) => cl.submitCheckpointProof(1, Uint8Array.of(1)),
        "result.outcome: ",
      ],
    ];
    it.each(cases)("%s", async (_name, method, answer, call, problem) => {
      const cl = new ClClient({
        url: await serve({ methods: { [method]: { handler: async () => answer } } }),
      });
      const error = await failure(call(cl));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ method, failure: "malformed" });
      expect(error.message).toContain(`${method}: invalid result: ${problem}`);
    });
  });
});
