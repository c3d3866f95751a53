import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  BatchInfoJson,
  BatchTransitionJson,
  ChainstateJson,
  ClStfOutputJson,
  chainstateRoot,
  ElBlockCommitmentJson,
  EvmBlockCommitmentJson,
  EvmEeStfOutputJson,
  ExecSegmentJson,
  ExecTipJson,
  GenesisJson,
  L2BlockBodyJson,
  L2BlockCommitmentJson,
  L2BlockHeaderJson,
  L2RangeJson,
  RollupParamsJson,
  rollupParamsRoot,
  SignedL2BlockJson,
} from "../src/index.js";
import { buildChain, PARAMS } from "./fixtures.js";

const chain = buildChain(4);
const { block, blockId } = chain.built[1]!;
const hash = new Uint8Array(32).fill(5);

/** Each JSON form with a sample value and a field path whose hash, cut short, must be refused. */
const forms: [string, z.ZodType<unknown, unknown>, unknown, string[]][] = [
  ["L2BlockCommitment", L2BlockCommitmentJson, { slot: 2, blockId }, ["blockId"]],
  ["ElBlockCommitment", ElBlockCommitmentJson, { number: 2, hash }, ["hash"]],
  ["ExecTip", ExecTipJson, chain.chainstates[2]!.execTip, ["stateRoot"]],
  ["EvmBlockCommitment", EvmBlockCommitmentJson, chain.execBlocks[1], ["parentHash"]],
  ["ExecSegment", ExecSegmentJson, block.body.execSegment, ["elBlockHash"]],
  ["L2BlockHeader", L2BlockHeaderJson, block.header, ["bodyRoot"]],
  ["L2BlockBody", L2BlockBodyJson, block.body, ["execSegment", "elStateRoot"]],
  ["SignedL2Block", SignedL2BlockJson, block, ["header", "parentId"]],
  ["Chainstate", ChainstateJson, chain.chainstates[2], ["tip", "blockId"]],
  ["L2Range", L2RangeJson, { start: 1, end: 4 }, []],
  ["BatchInfo", BatchInfoJson, { index: 0, epoch: 0, l2Range: { start: 1, end: 4 } }, []],
  [
    "BatchTransition",
    BatchTransitionJson,
    { index: 0, epoch: 0, preStateRoot: hash, postStateRoot: hash, paramsRoot: rollupParamsRoot(PARAMS) },
    ["paramsRoot"],
  ],
  [
    "ClStfOutput",
    ClStfOutputJson,
    {
      epoch: 0,
      initialChainstateRoot: chainstateRoot(chain.genesis),
      finalChainstateRoot: hash,
      start: 1,
      end: 4,
      paramsRoot: rollupParamsRoot(PARAMS),
    },
    ["paramsRoot"],
  ],
  [
    "EvmEeStfOutput",
    EvmEeStfOutputJson,
    { chainId: PARAMS.chainId, chainSpecHash: PARAMS.elChainSpecHash, blocks: chain.execBlocks },
    ["blocks", "0", "hash"],
  ],
  ["Genesis", GenesisJson, PARAMS.genesis, ["execBlock", "hash"]],
  ["RollupParams", RollupParamsJson, PARAMS, ["genesis", "execBlock", "stateRoot"]],
];

describe("JSON forms", () => {
  it.each(forms)("%s round-trips through JSON text", (_name, schema, value) => {
    const text = JSON.stringify(schema.encode(value));
    expect(schema.decode(JSON.parse(text))).toEqual(value);
  });

  it.each(forms.filter(([, , , path]) => path.length > 0))(
    "%s refuses a hash of the wrong length, naming the field",
    (_name, schema, value, path) => {
      const json = structuredClone(schema.encode(value)) as Record<string, unknown>;
      let holder: Record<string, unknown> = json;
      for (const key of path.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
      holder[path.at(-1)!] = "0xabcd";
      const result = schema.safeDecode(json);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path.map(String)).toEqual(path);
    },
  );

  it("refuses a u64 that is not a safe non-negative integer", () => {
    for (const slot of [-1, 0.5, 2 ** 53, "1", null]) {
      expect(
        L2BlockCommitmentJson.safeDecode({ slot, blockId: `0x${"00".repeat(32)}` } as never).success,
      ).toBe(false);
    }
  });
});
