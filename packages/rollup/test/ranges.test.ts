import { describe, expect, it } from "vitest";
import {
  applyBlockRange,
  BlockRejectedError,
  batchInfoForCheckpoint,
  type ClStfOutput,
  chainstateRoot,
  combineClStfOutputs,
  expectedBatchTransition,
  type RangeCheck,
  RangeRejectedError,
  rollupParamsRoot,
  shortHex,
} from "../src/index.js";
import { buildChain, OTHER_PARAMS, PARAMS, resign } from "./fixtures.js";

const chain = buildChain(8);
const blocks = chain.built.map((b) => b.block);
const batch = batchInfoForCheckpoint(1, PARAMS);

function rangeRejection(run: () => unknown): RangeRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RangeRejectedError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("applyBlockRange (the CL STF rule)", () => {
  it("applies part of an epoch and reports the transition", () => {
    const { chainstate, output } = applyBlockRange(
      chain.chainstates[4]!,
      blocks.slice(4, 6),
      PARAMS,
      chain.execBlocks,
    );
    expect(chainstate).toEqual(chain.chainstates[6]);
    expect(output).toEqual({
      epoch: 1,
      initialChainstateRoot: chainstateRoot(chain.chainstates[4]!),
      finalChainstateRoot: chainstateRoot(chain.chainstates[6]!),
      start: 5,
      end: 6,
      paramsRoot: rollupParamsRoot(PARAMS),
    });
  });

  it("commits to the params it checked the blocks against: re-signed blocks give the real roots, another params root", () => {
    const honest = applyBlockRange(chain.chainstates[4]!, blocks.slice(4, 8), PARAMS, chain.execBlocks);
    const resigned = resign(blocks.slice(4, 8));
    expect(() => applyBlockRange(chain.chainstates[4]!, resigned, PARAMS, chain.execBlocks)).toThrow(
      "block at slot 5 rejected by the SIGNATURE check",
    );
    const forged = applyBlockRange(chain.chainstates[4]!, resigned, OTHER_PARAMS, chain.execBlocks);
    expect(forged.chainstate).toEqual(honest.chainstate);
    expect({ ...forged.output, paramsRoot: undefined }).toEqual({ ...honest.output, paramsRoot: undefined });
    expect(forged.output.paramsRoot).toEqual(rollupParamsRoot(OTHER_PARAMS));
    expect(forged.output.paramsRoot).not.toEqual(honest.output.paramsRoot);
  });

  it("refuses an empty range and a range across epochs", () => {
    expect(rangeRejection(() => applyBlockRange(chain.genesis, [], PARAMS)).check).toBe("EMPTY");
    const crossing = rangeRejection(() => applyBlockRange(chain.chainstates[3]!, blocks.slice(3, 5), PARAMS));
    expect(crossing.check).toBe("EPOCH");
    expect(crossing.message).toBe(
      "range rejected by the EPOCH check: block at slot 5 is in epoch 1, the range started in epoch 0",
    );
  });

  it("rejects a block whose EL block was not proven", () => {
    const run = () =>
      applyBlockRange(chain.genesis, blocks.slice(0, 2), PARAMS, chain.execBlocks.slice(0, 1));
    expect(run).toThrow(BlockRejectedError);
    expect(run).toThrow("block at slot 2 rejected by the EXEC_SEGMENT check: no proven EL block numbered 2");
  });
});

describe("combineClStfOutputs (the checkpoint rule)", () => {
  const part = (from: number, to: number): ClStfOutput =>
    applyBlockRange(chain.chainstates[from - 1]!, blocks.slice(from - 1, to), PARAMS, chain.execBlocks)
      .output;
  /** A CL STF output of the real chain's blocks, re-signed with another key, under that key's params. */
  const forgedPart = (from: number, to: number): ClStfOutput =>
    applyBlockRange(
      chain.chainstates[from - 1]!,
      resign(blocks.slice(from - 1, to)),
      OTHER_PARAMS,
      chain.execBlocks,
    ).output;
  const parts = [part(5, 6), part(7, 8)];
  const expected = () => expectedBatchTransition(batch, chain.chainstates[4]!, chain.chainstates[8]!, PARAMS);

  it("joins outputs covering the epoch into the transition the CL expects", () => {
    const transition = combineClStfOutputs(batch, parts);
    expect(transition).toEqual(expected());
    expect(transition.paramsRoot).toEqual(rollupParamsRoot(PARAMS));
    expect(combineClStfOutputs(batch, [part(5, 8)])).toEqual(transition);
  });

  it("carries the params root of outputs proven under other params, which the CL's view does not match", () => {
    const transition = combineClStfOutputs(batch, [forgedPart(5, 6), forgedPart(7, 8)]);
    expect(transition.paramsRoot).toEqual(rollupParamsRoot(OTHER_PARAMS));
    // The same roots as the real chain's: only the params root tells the proof is not of this chain.
    expect({ ...transition, paramsRoot: undefined }).toEqual({ ...expected(), paramsRoot: undefined });
    expect(transition.paramsRoot).not.toEqual(expected().paramsRoot);
  });

  const cases: [string, () => ClStfOutput[], RangeCheck, string][] = [
    ["no outputs", () => [], "EMPTY", "checkpoint 1: no CL STF outputs"],
    [
      "outputs proven under different params",
      () => [parts[0]!, forgedPart(7, 8)],
      "PARAMS",
      `output 1 was proven under rollup params ${shortHex(rollupParamsRoot(OTHER_PARAMS))}, output 0 under ${shortHex(rollupParamsRoot(PARAMS))}`,
    ],
    [
      "another epoch",
      () => [{ ...parts[0]!, epoch: 0 }, parts[1]!],
      "EPOCH",
      "output 0 is for epoch 0, not 1",
    ],
    ["a gap", () => [part(5, 5), parts[1]!], "CONTINUITY", "output 1 starts at slot 7, expected 6"],
    ["an overlap", () => [part(5, 7), parts[1]!], "CONTINUITY", "output 1 starts at slot 7, expected 8"],
    [
      "a different chainstate",
      () => [parts[0]!, { ...parts[1]!, initialChainstateRoot: new Uint8Array(32) }],
      "CONTINUITY",
      "output 1 starts from chainstate 0x00000000…00000000, output 0 ended at",
    ],
    ["a missing end", () => [parts[0]!], "COVERAGE", "outputs cover slots 5..6, the checkpoint is 5..8"],
    ["a missing start", () => [parts[1]!], "COVERAGE", "outputs cover slots 7..8, the checkpoint is 5..8"],
  ];

  it.each(cases)("rejects %s", (_name, outputs, check, message) => {
    const error = rangeRejection(() => combineClStfOutputs(batch, outputs()));
    expect(error.check).toBe(check);
    expect(error.message).toContain(`rejected by the ${check} check: `);
    expect(error.message).toContain(message);
  });

  it("needs the chainstates at both ends of the checkpoint for the expected transition", () => {
    expect(() =>
      expectedBatchTransition(batch, chain.chainstates[5]!, chain.chainstates[8]!, PARAMS),
    ).toThrow("checkpoint 1 spans slots 5..8: needs chainstates at 4 and 8, got 5 and 8");
  });
});
