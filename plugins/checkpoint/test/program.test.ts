/**
 * The checkpoint guest, run by the harness's real native host on hand-built inputs: CL STF
 * receipts signed with the harness key (`harness.receiptFor`) whose public values are real
 * `ClStfOutput` bytes of the test chain, then broken one way at a time.
 */
import { PermanentError, type ProofReceipt } from "@paas/core";
import {
  BatchTransitionSsz,
  batchInfoForCheckpoint,
  CL_STF,
  ClClient,
  type ClStfOutput,
  ClStfOutputSsz,
  EVM_EE_STF,
  rollupParamsRoot,
  shortHex,
  toHex,
} from "@paas/rollup";
import { createPluginHarness, type PluginHarness, signReceipt } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckpointInput, CheckpointPlugin, checkpointProgram } from "../src/index.js";
import { clStfStandIn, TestCl } from "../src/testing.js";

let cl: TestCl;
let harness: PluginHarness;

beforeAll(async () => {
  cl = await TestCl.start({ slotsPerEpoch: 6, epochs: 3 });
  harness = await createPluginHarness({
    plugins: [CheckpointPlugin],
    standIns: [clStfStandIn(cl)],
    overrides: [{ token: ClClient, useValue: cl.client() }],
    pluginSettings: { checkpoint: { runner: false } },
    workers: 2,
  });
});

afterAll(async () => {
  await harness?.close();
  await cl?.close();
});

const batch1 = () => batchInfoForCheckpoint(1, cl.params); // slots 7..12

function receipt(output: ClStfOutput): ProofReceipt {
  return harness.receiptFor(CL_STF.program, ClStfOutputSsz.serialize(output));
}

function receipts(...ranges: [number, number][]): ProofReceipt[] {
  return ranges.map(([start, end]) => receipt(cl.clStfOutput(start, end)));
}

async function prove(input: CheckpointInput) {
  const proved = await harness.host.prove(checkpointProgram, input);
  return checkpointProgram.readOutput(proved.publicValues);
}

async function rejection(input: CheckpointInput): Promise<string> {
  const error = await harness.host.prove(checkpointProgram, input).then(
    () => {
      throw new Error("the guest accepted an input it must reject");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return (error as Error).message;
}

describe("checkpoint guest: aggregation", () => {
  it("joins three CL STF receipts covering the epoch into the CL's own BatchTransition", async () => {
    const output = await prove({ batch: batch1(), receipts: receipts([7, 8], [9, 11], [12, 12]) });
    expect(output).toEqual(cl.expected(1));
  });

  it("commits exactly the BatchTransition SSZ bytes (the CL decodes them byte for byte)", async () => {
    const proved = await harness.host.prove(checkpointProgram, {
      batch: batch1(),
      receipts: receipts([7, 12]),
    });
    expect(toHex(proved.publicValues)).toBe(toHex(BatchTransitionSsz.serialize(cl.expected(1))));
    expect(proved.metadata.proofType).toBe("compressed");
  });

  it("proves checkpoint 0 from genesis with one receipt", async () => {
    const output = await prove({ batch: batchInfoForCheckpoint(0, cl.params), receipts: receipts([1, 6]) });
    expect(output).toEqual(cl.expected(0));
  });

  it("carries the params root the CL STF proofs were made under into the transition", async () => {
    const output = await prove({ batch: batch1(), receipts: receipts([7, 9], [10, 12]) });
    expect(output.paramsRoot).toEqual(rollupParamsRoot(cl.params));
    // CL STF proofs of the chain's blocks re-signed by someone else, under their params: the same
    // chainstate roots, so the guest aggregates them; the params root says whose they are, and it
    // is not the CL's (the CL rejects such a proof, see plugin.test.ts).
    const forged = await prove({
      batch: batch1(),
      receipts: [receipt(cl.forgedClStfOutput(7, 9)), receipt(cl.forgedClStfOutput(10, 12))],
    });
    expect(forged.paramsRoot).toEqual(rollupParamsRoot(cl.forgerParams));
    expect({ ...forged, paramsRoot: undefined }).toEqual({ ...cl.expected(1), paramsRoot: undefined });
    expect(forged.paramsRoot).not.toEqual(cl.expected(1).paramsRoot);
  });
});

describe("checkpoint guest: rejections name the check", () => {
  it("a gap between receipts (CONTINUITY)", async () => {
    const message = await rejection({ batch: batch1(), receipts: receipts([7, 8], [10, 12]) });
    expect(message).toMatch(/CONTINUITY check: checkpoint 1: output 1 starts at slot 10, expected 9/);
  });

  it("an overlap between receipts (CONTINUITY)", async () => {
    const message = await rejection({ batch: batch1(), receipts: receipts([7, 9], [9, 12]) });
    expect(message).toMatch(/CONTINUITY check: checkpoint 1: output 1 starts at slot 9, expected 10/);
  });

  it("a broken chainstate root chain (CONTINUITY)", async () => {
    const second = { ...cl.clStfOutput(9, 12), initialChainstateRoot: new Uint8Array(32).fill(0xab) };
    const message = await rejection({
      batch: batch1(),
      receipts: [receipt(cl.clStfOutput(7, 8)), receipt(second)],
    });
    expect(message).toMatch(/CONTINUITY check: checkpoint 1: output 1 starts from chainstate 0xabababab/);
  });

  it("receipts of mixed epochs (EPOCH)", async () => {
    const other = { ...cl.clStfOutput(9, 12), epoch: 2 };
    const message = await rejection({
      batch: batch1(),
      receipts: [receipt(cl.clStfOutput(7, 8)), receipt(other)],
    });
    expect(message).toMatch(/EPOCH check: checkpoint 1: output 1 is for epoch 2, not 1/);
  });

  it("receipts proven under different rollup params (PARAMS)", async () => {
    const message = await rejection({
      batch: batch1(),
      receipts: [receipt(cl.clStfOutput(7, 8)), receipt(cl.forgedClStfOutput(9, 12))],
    });
    expect(message).toContain(
      `range rejected by the PARAMS check: checkpoint 1: output 1 was proven under rollup params ${shortHex(rollupParamsRoot(cl.forgerParams))}, output 0 under ${shortHex(rollupParamsRoot(cl.params))}`,
    );
  });

  it("a batch under another index than its epoch (EPOCH)", async () => {
    const shifted = { index: 2, epoch: 1, l2Range: { start: 7, end: 12 } };
    expect(await rejection({ batch: shifted, receipts: receipts([7, 12]) })).toMatch(
      /EPOCH check: checkpoint 2: covers epoch 1; checkpoint i covers epoch i/,
    );
  });

  it("receipts of another epoch than the batch's (EPOCH)", async () => {
    const message = await rejection({ batch: batch1(), receipts: receipts([13, 18]) });
    expect(message).toMatch(/EPOCH check: checkpoint 1: output 0 is for epoch 2, not 1/);
  });

  it("receipts that stop short of the range, or start late (COVERAGE)", async () => {
    expect(await rejection({ batch: batch1(), receipts: receipts([7, 11]) })).toMatch(
      /COVERAGE check: checkpoint 1: outputs cover slots 7..11, the checkpoint is 7..12/,
    );
    expect(await rejection({ batch: batch1(), receipts: receipts([8, 12]) })).toMatch(
      /COVERAGE check: checkpoint 1: outputs cover slots 8..12/,
    );
  });

  it("no receipts at all (EMPTY)", async () => {
    expect(await rejection({ batch: batch1(), receipts: [] })).toMatch(/EMPTY check: checkpoint 1/);
  });

  it("a forged receipt: public values changed after signing (RECEIPT)", async () => {
    const [first, second] = receipts([7, 8], [9, 12]);
    const forged = ClStfOutputSsz.serialize({ ...cl.clStfOutput(9, 12), end: 11 });
    const message = await rejection({
      batch: batch1(),
      receipts: [first!, { ...second!, publicValues: forged }],
    });
    expect(message).toMatch(/RECEIPT check: CL STF receipt 1 of 2: .*signature/);
  });

  it("a receipt signed by another key (RECEIPT)", async () => {
    const foreign = signReceipt(
      new Uint8Array(32).fill(3),
      CL_STF.program,
      ClStfOutputSsz.serialize(cl.clStfOutput(7, 12)),
    );
    const message = await rejection({ batch: batch1(), receipts: [foreign] });
    expect(message).toMatch(/checkpoint 1 rejected by the RECEIPT check: CL STF receipt 0 of 1: .*signature/);
  });

  it("a receipt of another program, with valid ClStfOutput bytes (RECEIPT)", async () => {
    const wrong = harness.receiptFor(EVM_EE_STF.program, ClStfOutputSsz.serialize(cl.clStfOutput(7, 12)));
    const message = await rejection({ batch: batch1(), receipts: [wrong] });
    expect(message).toMatch(
      /RECEIPT check: CL STF receipt 0 of 1: .*it proves program 0x[0-9a-f]{64}, expected 0x/,
    );
  });

  it("a receipt of another CL STF version (RECEIPT)", async () => {
    const old = harness.receiptFor(
      { ...CL_STF.program, version: "0" },
      ClStfOutputSsz.serialize(cl.clStfOutput(7, 12)),
    );
    expect(await rejection({ batch: batch1(), receipts: [old] })).toMatch(
      /RECEIPT check: CL STF receipt 0 of 1/,
    );
  });

  it("public values that are not a ClStfOutput (OUTPUT)", async () => {
    const bad = harness.receiptFor(CL_STF.program, new Uint8Array(10));
    expect(await rejection({ batch: batch1(), receipts: [bad] })).toMatch(
      /OUTPUT check: CL STF receipt 0 of 1 commits 10 bytes, a ClStfOutput \(SSZ\) is 120/,
    );
  });
});
