import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  BatchInfoJson,
  BatchInfoSsz,
  BatchTransitionSsz,
  blockIdOf,
  buildGenesis,
  ChainstateJson,
  ChainstateSsz,
  ClStfOutputSsz,
  chainstateRoot,
  EvmEeStfOutputSsz,
  L2BlockCommitmentSsz,
  L2BlockHeaderJson,
  RollupParamsJson,
  RollupParamsSsz,
  rollupParamsRoot,
  SignedL2BlockJson,
  SignedL2BlockSsz,
  toHex,
} from "../src/index.js";
import { buildChain, PARAMS } from "./fixtures.js";

/** Pinned values: a change here changes every block id, chainstate root and signature of the rollup. */
const VECTOR_BLOCK_5_ID = "0xf308838e5c9a2c10fa7c6c636aaddd7f8e811887b4e78bb577eb2638b9ba2023";
const VECTOR_CHAINSTATE_5_ROOT = "0xdd88eb587c95fa93804904eaaeecc909d744ffde6d5bdaa43daf3a965f636999";
const VECTOR_PARAMS_ROOT = "0x6766eaa4e2d12fa080b0bd8ce2024dfff8207eeea08eb7a99c0916e9e0fc0fc8";
const VECTOR_BLOCK_5_SIGNATURE =
  "0x6ae3a54ca55400c8836682d525eaf1dba62cce9cb51ba195973eba96b03e5958f0290da15012b2104cfc6f789e04615a855b2aee679b804a46c142d9eec52cae";

const chain = buildChain(5);
const block = chain.built[4]!.block;

describe("SSZ types", () => {
  it("hash a two-field container as SSZ does: sha256 of the two 32-byte leaves", () => {
    const blockId = new Uint8Array(32).fill(0xab);
    const slotLeaf = new Uint8Array(32);
    slotLeaf[0] = 5;
    const expected = sha256(new Uint8Array([...slotLeaf, ...blockId]));
    expect(L2BlockCommitmentSsz.hashTreeRoot({ slot: 5, blockId })).toEqual(expected);
  });

  it("keep roots stable (fixed vectors: genesis, block 5, chainstate 5)", () => {
    const genesis = buildGenesis(PARAMS);
    expect(toHex(genesis.blockId)).toBe("0xa1c9f3b6a30969eff7fd04bc621dddb83e64d42345ae6e0a47087c750234f738");
    expect(toHex(chainstateRoot(genesis.chainstate))).toBe(
      "0xf78672dcaec4812e61f672b46e05a2679f9bf633c6cefe8f4aa428b7da71db1b",
    );
    expect(toHex(blockIdOf(block.header))).toBe(VECTOR_BLOCK_5_ID);
    expect(toHex(chainstateRoot(chain.chainstates[5]!))).toBe(VECTOR_CHAINSTATE_5_ROOT);
    expect(toHex(block.signature)).toBe(VECTOR_BLOCK_5_SIGNATURE);
  });

  it("round-trip through SSZ bytes", () => {
    expect(SignedL2BlockSsz.deserialize(SignedL2BlockSsz.serialize(block))).toEqual(block);
    const chainstate = chain.chainstates[3]!;
    expect(ChainstateSsz.deserialize(ChainstateSsz.serialize(chainstate))).toEqual(chainstate);
    expect(RollupParamsSsz.deserialize(RollupParamsSsz.serialize(PARAMS))).toEqual(PARAMS);
    const info = { index: 2, epoch: 2, l2Range: { start: 9, end: 12 } };
    expect(BatchInfoSsz.deserialize(BatchInfoSsz.serialize(info))).toEqual(info);
    const transition = {
      index: 1,
      epoch: 1,
      preStateRoot: new Uint8Array(32),
      postStateRoot: new Uint8Array(32).fill(3),
      paramsRoot: rollupParamsRoot(PARAMS),
    };
    expect(BatchTransitionSsz.deserialize(BatchTransitionSsz.serialize(transition))).toEqual(transition);
    const output = {
      epoch: 0,
      initialChainstateRoot: chainstateRoot(chain.genesis),
      finalChainstateRoot: chainstateRoot(chain.chainstates[4]!),
      start: 1,
      end: 4,
      paramsRoot: rollupParamsRoot(PARAMS),
    };
    expect(ClStfOutputSsz.deserialize(ClStfOutputSsz.serialize(output))).toEqual(output);
    const evmOutput = {
      chainId: PARAMS.chainId,
      chainSpecHash: PARAMS.elChainSpecHash,
      blocks: chain.execBlocks,
    };
    expect(EvmEeStfOutputSsz.deserialize(EvmEeStfOutputSsz.serialize(evmOutput))).toEqual(evmOutput);
  });

  it("give the rollup params one root, which every field changes", () => {
    expect(toHex(rollupParamsRoot(PARAMS))).toBe(VECTOR_PARAMS_ROOT);
    expect(rollupParamsRoot(PARAMS)).toEqual(RollupParamsSsz.hashTreeRoot(PARAMS));
    const variants = [
      { ...PARAMS, chainId: PARAMS.chainId + 1 },
      { ...PARAMS, elChainSpecHash: new Uint8Array(32).fill(4) },
      { ...PARAMS, sequencerPublicKey: buildGenesis(PARAMS).blockId.slice() },
      { ...PARAMS, slotsPerEpoch: PARAMS.slotsPerEpoch + 1 },
      { ...PARAMS, genesis: { ...PARAMS.genesis, timestamp: PARAMS.genesis.timestamp + 1 } },
    ];
    const roots = new Set([PARAMS, ...variants].map((params) => toHex(rollupParamsRoot(params))));
    expect(roots.size).toBe(variants.length + 1);
  });

  it("lay out the proofs' public values as fixed containers (sizes the guests and the CL check)", () => {
    expect(ClStfOutputSsz.fixedSize).toBe(8 + 32 + 32 + 8 + 8 + 32);
    expect(BatchTransitionSsz.fixedSize).toBe(8 + 8 + 32 + 32 + 32);
    // The chain id, the chain spec hash, then the offset of the block list, then 104 bytes per block.
    const evmOutput = {
      chainId: 1337,
      chainSpecHash: new Uint8Array(32).fill(5),
      blocks: chain.execBlocks.slice(0, 2),
    };
    const bytes = EvmEeStfOutputSsz.serialize(evmOutput);
    expect(bytes.length).toBe(8 + 32 + 4 + 2 * 104);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)).toBe(1337n);
  });

  it("round-trip through JSON, with hex bytes and plain numbers", () => {
    const json = SignedL2BlockJson.encode(block);
    expect(json.header.slot).toBe(5);
    expect(json.signature).toMatch(/^0x[0-9a-f]{128}$/);
    expect(SignedL2BlockJson.decode(JSON.parse(JSON.stringify(json)))).toEqual(block);
    expect(RollupParamsJson.decode(RollupParamsJson.encode(PARAMS))).toEqual(PARAMS);
    const chainstate = chain.chainstates[2]!;
    expect(ChainstateJson.decode(ChainstateJson.encode(chainstate))).toEqual(chainstate);
  });
});

describe("JSON validation", () => {
  const header = L2BlockHeaderJson.encode(block.header);
  const issues = (result: {
    success: boolean;
    error?: { issues: { path: PropertyKey[]; message: string }[] };
  }) => result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  it.each([
    ["a short hash", { ...header, parentId: "0x1234" }, "parentId: expected 0x-prefixed hex of 32 bytes"],
    [
      "hex without 0x",
      { ...header, bodyRoot: header.bodyRoot.slice(2) },
      "bodyRoot: expected 0x-prefixed hex of 32 bytes",
    ],
    ["a negative slot", { ...header, slot: -1 }, "slot: Too small: expected number to be >=0"],
    ["a fractional epoch", { ...header, epoch: 1.5 }, "epoch: Invalid input: expected int, received number"],
    [
      "an unsafe timestamp",
      { ...header, timestamp: 2 ** 60 },
      "timestamp: Too big: expected int to be <=9007199254740991",
    ],
    ["a string slot", { ...header, slot: "5" }, "slot: Invalid input: expected number, received string"],
  ])("rejects a header with %s", (_name, value, message) => {
    expect(issues(L2BlockHeaderJson.safeDecode(value as never))).toEqual([message]);
  });

  it("rejects rollup params with an invalid key or no slots per epoch", () => {
    const params = RollupParamsJson.encode(PARAMS);
    // x = 5 is not on secp256k1 (5^3 + 7 = 132 is not a square mod p).
    const notOnCurve = `0x${"00".repeat(31)}05`;
    expect(issues(RollupParamsJson.safeDecode({ ...params, sequencerPublicKey: notOnCurve }))).toEqual([
      "sequencerPublicKey: not a valid BIP340 x-only public key",
    ]);
    expect(issues(RollupParamsJson.safeDecode({ ...params, slotsPerEpoch: 0 }))).toEqual([
      "slotsPerEpoch: Too small: expected number to be >=1",
    ]);
  });

  it("rejects a range whose start exceeds its end", () => {
    expect(issues(BatchInfoJson.safeDecode({ index: 1, epoch: 1, l2Range: { start: 9, end: 8 } }))).toEqual([
      "l2Range: range start must not exceed its end",
    ]);
  });
});
