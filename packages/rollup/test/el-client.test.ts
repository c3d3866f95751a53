import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { fromHex, PermanentError, TransientError } from "@paas/core";
import { JsonRpcError, RpcErrorCode } from "@paas/jsonrpc";
import { describe, expect, it } from "vitest";
import { ElClient, toHex } from "../src/index.js";
import { deadUrl, failure, serve } from "./rpc-helpers.js";

const HASH = `0x${"ab".repeat(32)}`;
const PARENT = `0x${"cd".repeat(32)}`;
const ROOT = `0x${"ef".repeat(32)}`;
const BLOCK = {
  number: "0x1a",
  hash: HASH,
  parentHash: PARENT,
  stateRoot: ROOT,
  gasUsed: "0x5208",
  transactions: [],
};

/** A Shanghai header (made-up roots) in the JSON form geth writes ancestor headers of a witness in. */
const GETH_HEADER: Record<string, string | undefined> = {
  parentHash: "0x0e0f8ec3e9a1c96f6cd6a0e9b8ab3ff0a2e5c0c69fbb6e8b0a1a1c6f8b0a9c1d",
  sha3Uncles: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
  miner: "0x388c818ca8b9251b393131c08a736a67ccb19297",
  stateRoot: `0x${"11".repeat(32)}`,
  transactionsRoot: `0x${"22".repeat(32)}`,
  receiptsRoot: `0x${"33".repeat(32)}`,
  logsBloom: `0x${"00".repeat(256)}`,
  difficulty: "0x0",
  number: "0x103e776",
  gasLimit: "0x1c9c380",
  gasUsed: "0x5208",
  timestamp: "0x6437c4bf",
  extraData: "0x",
  mixHash: `0x${"44".repeat(32)}`,
  nonce: "0x0000000000000000",
  baseFeePerGas: "0x7",
  withdrawalsRoot: `0x${"55".repeat(32)}`,
};

/** A canned EL that records the params of each call. */
function cannedEl(calls: unknown[][] = []) {
  const record =
    (answer: (params: unknown[]) => unknown) =>
    async (params: unknown): Promise<unknown> => {
      calls.push(params as unknown[]);
      return answer(params as unknown[]);
    };
  return {
    eth_chainId: { handler: record(() => "0x539") },
    eth_blockNumber: { handler: record(() => "0x1a") },
    eth_getBlockByNumber: { handler: record(([n]) => (n === "0x1a" || n === "latest" ? BLOCK : null)) },
    eth_getBlockByHash: { handler: record(([h]) => (h === HASH ? BLOCK : null)) },
    debug_executionWitness: {
      handler: record(([n]) => {
        if (n !== "0x1a") throw new JsonRpcError(RpcErrorCode.NOT_FOUND, `block ${n} not found`);
        return { state: ["0xf8", "0x0102"], codes: ["0x6000"], headers: ["0xf90200"] };
      }),
    },
    debug_getRawBlock: { handler: record(([n]) => (n === "0x1a" ? "0xf90201" : null)) },
    slow: { handler: () => new Promise(() => {}) },
  };
}

describe("ElClient", () => {
  it("reads the head, blocks by number, tag and hash, keeping the node's whole block JSON", async () => {
    const calls: unknown[][] = [];
    const el = new ElClient({ url: await serve({ methods: cannedEl(calls) }) });
    expect(await el.blockNumber()).toBe(26);
    const block = await el.getBlockByNumber(26);
    expect(block).toMatchObject({ number: 26, hash: Uint8Array.from(Buffer.from("ab".repeat(32), "hex")) });
    expect(toHex(block!.parentHash)).toBe(PARENT);
    expect(toHex(block!.stateRoot)).toBe(ROOT);
    expect(block!.json).toEqual(BLOCK);
    expect((await el.getBlockByNumber("latest", true))?.number).toBe(26);
    expect((await el.getBlockByHash(block!.hash))?.number).toBe(26);
    expect(calls).toEqual([[], ["0x1a", false], ["latest", true], [HASH, false]]);
  });

  it("answers null for a block the node does not have, and no bytes for its raw block", async () => {
    const url = await serve({ methods: cannedEl() });
    const el = new ElClient({ url });
    expect(await el.getBlockByNumber(99)).toBeNull();
    expect(await el.getBlockByHash(new Uint8Array(32))).toBeNull();
    // Some nodes answer a raw block they lack with `null`: the same as `0x`, not a malformed answer.
    expect(await el.getRawBlock(99)).toEqual(new Uint8Array());
    expect(await new ElClient({ url, offThread: false }).getRawBlock(99)).toEqual(new Uint8Array());
  });

  it("reads the node's chain id", async () => {
    const el = new ElClient({ url: await serve({ methods: cannedEl() }) });
    expect(await el.chainId()).toBe(1337);
  });

  it("reads an execution witness and a raw block as bytes", async () => {
    const el = new ElClient({ url: await serve({ methods: cannedEl() }) });
    expect(await el.getExecutionWitness(26)).toEqual({
      state: [Uint8Array.of(0xf8), Uint8Array.of(1, 2)],
      codes: [Uint8Array.of(0x60, 0)],
      keys: [],
      headers: [Uint8Array.of(0xf9, 2, 0)],
    });
    expect(await el.getRawBlock(26)).toEqual(Uint8Array.of(0xf9, 2, 1));
  });

  it("reads a list a Go node writes as null (an empty slice never allocated) as empty", async () => {
    const el = new ElClient({
      url: await serve({
        methods: {
          debug_executionWitness: {
            handler: async () => ({ state: ["0xf8"], codes: null, keys: null, headers: ["0xf90200"] }),
          },
        },
      }),
    });
    expect(await el.getExecutionWitness(26)).toEqual({
      state: [Uint8Array.of(0xf8)],
      codes: [],
      keys: [],
      headers: [Uint8Array.of(0xf9, 2, 0)],
    });
  });

  it("reads ancestor headers given as JSON objects (geth) as the RLP they hash", async () => {
    const rlp = RLP.encode([
      ...[
        "parentHash",
        "sha3Uncles",
        "miner",
        "stateRoot",
        "transactionsRoot",
        "receiptsRoot",
        "logsBloom",
      ].map((field) => fromHex(GETH_HEADER[field]!)),
      new Uint8Array(), // difficulty 0
      fromHex("0x0103e776"),
      fromHex("0x01c9c380"),
      fromHex("0x5208"),
      fromHex("0x6437c4bf"),
      new Uint8Array(), // extraData
      fromHex(GETH_HEADER.mixHash!),
      new Uint8Array(8), // nonce
      Uint8Array.of(7),
      fromHex(GETH_HEADER.withdrawalsRoot!),
    ]);
    const header = { ...GETH_HEADER, hash: toHex(keccak_256(rlp)) };
    const el = new ElClient({
      url: await serve({
        methods: {
          debug_executionWitness: { handler: async () => ({ state: [], codes: [], headers: [header] }) },
        },
      }),
    });
    expect((await el.getExecutionWitness(26)).headers).toEqual([rlp]);
    const forged = new ElClient({
      url: await serve({
        methods: {
          debug_executionWitness: {
            handler: async () => ({ state: [], codes: [], headers: [{ ...header, gasUsed: "0x5209" }] }),
          },
        },
      }),
    });
    const error = await failure(forged.getExecutionWitness(26));
    expect(error.message).toContain("result.headers[0]: header does not hash to its hash field");
  });

  it("fails a witness for a block the node does not know permanently", async () => {
    const el = new ElClient({ url: await serve({ methods: cannedEl() }) });
    const error = await failure(el.getExecutionWitness(5));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe("debug_executionWitness: block 0x5 not found (JSON-RPC error -32004)");
  });

  it.each([
    [
      "another block",
      "eth_getBlockByNumber",
      { ...BLOCK, number: "0x1b" },
      "result: asked for block 26, got 27",
    ],
    [
      "a short hash",
      "eth_getBlockByNumber",
      { ...BLOCK, stateRoot: "0x12" },
      "result.stateRoot: expected 0x-prefixed hex of 32 bytes",
    ],
    ["a decimal number", "eth_blockNumber", 26, "result: Invalid input: expected string, received number"],
    ["a huge quantity", "eth_blockNumber", "0xffffffffffffffffff", "result: quantity exceeds 2^53 - 1"],
    [
      "a witness with odd hex",
      "debug_executionWitness",
      { state: ["0xf"], codes: [], headers: [] },
      "result.state[0]: expected 0x-prefixed hex bytes",
    ],
    [
      "a header object without a state root",
      "debug_executionWitness",
      { state: [], codes: [], headers: [{ ...GETH_HEADER, stateRoot: undefined }] },
      "result.headers[0]: header has no stateRoot",
    ],
    [
      "a header object with a later fork's field but not an earlier one's",
      "debug_executionWitness",
      { state: [], codes: [], headers: [{ ...GETH_HEADER, baseFeePerGas: undefined, hash: undefined }] },
      "result.headers[0]: header has withdrawalsRoot but no baseFeePerGas, which comes with an earlier fork",
    ],
    [
      "a header object with a quantity padded with zeros",
      "debug_executionWitness",
      { state: [], codes: [], headers: [{ ...GETH_HEADER, gasUsed: "0x05208" }] },
      "result.headers[0]: header gasUsed is not a 0x quantity",
    ],
    [
      "a header that is neither",
      "debug_executionWitness",
      { state: [], codes: [], headers: [7] },
      "result.headers[0]: header is neither 0x-prefixed RLP hex nor a header object",
    ],
  ])("fails %s permanently, naming the method", async (_name, method, answer, problem) => {
    const el = new ElClient({ url: await serve({ methods: { [method]: { handler: async () => answer } } }) });
    const call: Record<string, () => Promise<unknown>> = {
      eth_getBlockByNumber: () => el.getBlockByNumber(26),
      eth_blockNumber: () => el.blockNumber(),
      debug_executionWitness: () => el.getExecutionWitness(26),
    };
    const error = await failure(call[method]!());
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`${method}: invalid result: ${problem}`);
  });

  it("applies per-method timeouts, as transient failures", async () => {
    const url = await serve({ methods: { eth_blockNumber: { handler: () => new Promise(() => {}) } } });
    const el = new ElClient({ url, methodTimeoutsMs: { eth_blockNumber: 50 } });
    const error = await failure(el.blockNumber());
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ failure: "timeout", method: "eth_blockNumber" });
  });

  it("fails a node that is down transiently", async () => {
    const error = await failure(new ElClient({ url: await deadUrl() }).getBlockByNumber(1));
    expect(error).toBeInstanceOf(TransientError);
  });
});

describe("ElClient's EL thread (witnesses and raw blocks read and decoded off the main thread)", () => {
  it("answers what the same calls answer on this thread", async () => {
    const url = await serve({ methods: cannedEl() });
    const here = new ElClient({ url, offThread: false });
    const there = new ElClient({ url });
    expect(await there.getExecutionWitness(26)).toEqual(await here.getExecutionWitness(26));
    expect(await there.getRawBlock(26)).toEqual(await here.getRawBlock(26));
  });

  it("brings a failure across with its class, method and JSON-RPC code", async () => {
    const el = new ElClient({ url: await serve({ methods: cannedEl() }) });
    const error = await failure(el.getExecutionWitness(5));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ method: "debug_executionWitness", failure: "rpc-error", rpcCode: -32004 });
  });

  it("applies the client's per-method timeout there, as a transient failure", async () => {
    const url = await serve({ methods: { debug_getRawBlock: { handler: () => new Promise(() => {}) } } });
    const el = new ElClient({ url, methodTimeoutsMs: { debug_getRawBlock: 50 }, retry: { attempts: 1 } });
    const error = await failure(el.getRawBlock(26));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ failure: "timeout", method: "debug_getRawBlock" });
  });

  it("gives up a call at once when its caller aborts", async () => {
    const url = await serve({
      methods: { debug_executionWitness: { handler: () => new Promise(() => {}) } },
    });
    const el = new ElClient({ url });
    const controller = new AbortController();
    const call = failure(el.getExecutionWitness(26, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("stopping")), 50);
    const error = await call;
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ failure: "aborted", method: "debug_executionWitness" });
    expect((error.cause as Error).message).toBe("stopping");
  });
});
