import {
  applyBlockRange,
  BatchTransitionSsz,
  combineClStfOutputs,
  type RollupParams,
  rollupParamsRoot,
  sequencerPublicKey,
  shortHex,
  signBlock,
} from "@paas/rollup";
import { encodeReceipt, NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitBytesProgram,
  createDevChain,
  type DevChain,
  DevChainNotFoundError,
  otherProgram,
} from "../src/index.js";

const PROVER_KEY = new Uint8Array(32).fill(0x42);
const OTHER_KEY = new Uint8Array(32).fill(0x43);

let host: NativeHost;
let otherHost: NativeHost;
let chain: DevChain;

beforeAll(async () => {
  host = new NativeHost({ workers: 1, privateKey: PROVER_KEY });
  otherHost = new NativeHost({ workers: 1, privateKey: OTHER_KEY });
  chain = await createDevChain({
    seed: "checkpoint-test",
    slotsPerEpoch: 2,
    epochs: 3,
    trustedProverKey: host.publicKey,
    checkpointProgramId: commitBytesProgram.programId,
  });
});

afterAll(async () => {
  await Promise.all([host?.close(), otherHost?.close()]);
});

/** A receipt that commits `publicValues`, proven by `prover` running `program`. */
async function receiptOf(
  publicValues: Uint8Array,
  program = commitBytesProgram,
  prover = host,
): Promise<Uint8Array> {
  return encodeReceipt(await prover.prove(program, publicValues));
}

/** A valid receipt for checkpoint `index`: the program commits the CL's expected transition. */
function validReceipt(index: number): Promise<Uint8Array> {
  return receiptOf(BatchTransitionSsz.serialize(chain.getCheckpoint(index).transition));
}

describe("checkpoints", () => {
  it("creates one checkpoint per closed epoch, covering the epoch's slots", () => {
    expect(chain.latestSlot).toBe(6);
    expect(chain.latestCheckpointIndex).toBe(2);
    expect(chain.checkpoints.map((c) => c.info)).toEqual([
      { index: 0, epoch: 0, l2Range: { start: 1, end: 2 } },
      { index: 1, epoch: 1, l2Range: { start: 3, end: 4 } },
      { index: 2, epoch: 2, l2Range: { start: 5, end: 6 } },
    ]);
    expect(() => chain.getCheckpoint(3)).toThrow(DevChainNotFoundError);
  });

  it("rejects a receipt whose bytes were tampered with", async () => {
    const receipt = await validReceipt(0);
    const lastByteOfProof = 8 + 63; // [proof_len u64][64-byte signature]…
    const tampered = receipt.slice();
    tampered[lastByteOfProof]! ^= 1;
    const badSignature = chain.submitCheckpointProof(0, tampered);
    expect(badSignature).toMatchObject({ index: 0, outcome: "rejected" });
    expect(badSignature.outcome === "rejected" && badSignature.reason).toMatch(/signature does not verify/);

    const publicValueByte = 8 + 64 + 8 + 20;
    const changedValues = receipt.slice();
    changedValues[publicValueByte]! ^= 1;
    expect(chain.submitCheckpointProof(0, changedValues)).toMatchObject({ outcome: "rejected" });

    const truncated = chain.submitCheckpointProof(0, receipt.subarray(0, 40));
    expect(truncated.outcome === "rejected" && truncated.reason).toMatch(/does not decode/);
    expect(chain.getCheckpointStatus(0).status).toBe("unproven");
  });

  it("rejects a receipt of another program", async () => {
    const transition = BatchTransitionSsz.serialize(chain.getCheckpoint(0).transition);
    const result = chain.submitCheckpointProof(0, await receiptOf(transition, otherProgram));
    expect(result.outcome === "rejected" && result.reason).toMatch(/proves program 0x[0-9a-f]+, expected/);
  });

  it("rejects a receipt signed by another prover key", async () => {
    const transition = BatchTransitionSsz.serialize(chain.getCheckpoint(0).transition);
    const result = chain.submitCheckpointProof(0, await receiptOf(transition, commitBytesProgram, otherHost));
    expect(result.outcome === "rejected" && result.reason).toMatch(/does not verify against host key/);
  });

  it("rejects a valid receipt whose transition differs from the CL's", async () => {
    const expected = chain.getCheckpoint(0).transition;
    const wrongPost = { ...expected, postStateRoot: new Uint8Array(32).fill(7) };
    const r1 = chain.submitCheckpointProof(0, await receiptOf(BatchTransitionSsz.serialize(wrongPost)));
    expect(r1.outcome === "rejected" && r1.reason).toMatch(/post-state root .* expected/);

    // Checkpoint 1's valid proof, submitted as checkpoint 0.
    const r2 = chain.submitCheckpointProof(0, await validReceipt(1));
    expect(r2.outcome === "rejected" && r2.reason).toMatch(/index 1, expected 0.*epoch 1, expected 0/);

    const longer = new Uint8Array([...BatchTransitionSsz.serialize(expected), 0]);
    const r3 = chain.submitCheckpointProof(0, await receiptOf(longer));
    expect(r3.outcome === "rejected" && r3.reason).toMatch(/113 bytes, a BatchTransition \(SSZ\) is 112/);
    expect(chain.nextUnprovenCheckpointIndex).toBe(0);
  });

  it("rejects a valid receipt of a transition proven under other rollup params, naming the params root", async () => {
    // Someone re-signs checkpoint 0's blocks with their own key and proves them under params naming
    // that key: the CL STF and checkpoint rules pass, the chainstate roots are this chain's (block
    // ids hash headers, not signatures), only the params root differs.
    const forgerKey = new Uint8Array(32).fill(0x44);
    const forgerParams: RollupParams = { ...chain.params, sequencerPublicKey: sequencerPublicKey(forgerKey) };
    const { info, transition: expected } = chain.getCheckpoint(0);
    const { start, end } = info.l2Range;
    const resigned = chain
      .getBlocksInRange(start, end)
      .map((block) => ({ ...block, signature: signBlock(block.header, forgerKey, forgerParams) }));
    const provenEl = resigned.map((block) => chain.getEvmCommitment(block.body.execSegment.elBlockNumber));
    const { output } = applyBlockRange(chain.getChainstate(start - 1), resigned, forgerParams, provenEl);
    const forged = combineClStfOutputs(info, [output]);
    expect({ ...forged, paramsRoot: undefined }).toEqual({ ...expected, paramsRoot: undefined });
    expect(expected.paramsRoot).toEqual(rollupParamsRoot(chain.params));

    const result = chain.submitCheckpointProof(0, await receiptOf(BatchTransitionSsz.serialize(forged)));
    expect(result).toEqual({
      index: 0,
      outcome: "rejected",
      reason: `the proven transition differs from the CL's: params root ${shortHex(rollupParamsRoot(forgerParams))}, expected ${shortHex(rollupParamsRoot(chain.params))} (the proof was made under other rollup params)`,
    });
    expect(chain.getCheckpointStatus(0).status).toBe("unproven");
  });

  it("accepts a valid receipt, then acknowledges another valid one as already proven", async () => {
    const events: string[] = [];
    const unsubscribe = chain.subscribe((event) => {
      if (event.type === "proof") events.push(`${event.result.index}:${event.result.outcome}`);
    });
    const before = Date.now();
    expect(chain.submitCheckpointProof(0, await validReceipt(0))).toEqual({ index: 0, outcome: "accepted" });
    const status = chain.getCheckpointStatus(0);
    expect(status.status).toBe("proven");
    expect(status.status === "proven" && status.provenAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(chain.nextUnprovenCheckpointIndex).toBe(1);
    expect(chain.submitCheckpointProof(0, await validReceipt(0))).toEqual({
      index: 0,
      outcome: "already-proven",
    });
    // An invalid proof stays invalid even for a proven checkpoint.
    expect(chain.submitCheckpointProof(0, await validReceipt(1)).outcome).toBe("rejected");
    expect(chain.getCheckpointStatus(0).status).toBe("proven");

    expect(chain.submitCheckpointProof(2, await validReceipt(2)).outcome).toBe("accepted");
    expect(chain.nextUnprovenCheckpointIndex).toBe(1);
    expect(chain.getElBlock("finalized")!.block.header.number).toBe(6n);
    expect(chain.submitCheckpointProof(1, await validReceipt(1)).outcome).toBe("accepted");
    expect(chain.nextUnprovenCheckpointIndex).toBeNull();
    unsubscribe();
    expect(events).toEqual(["0:accepted", "0:already-proven", "0:rejected", "2:accepted", "1:accepted"]);
  });

  it("refuses a submission for a checkpoint that does not exist yet", async () => {
    expect(() => chain.submitCheckpointProof(3, new Uint8Array())).toThrow(/checkpoint 3 not found/);
  });

  it("accepts nothing without a trusted prover key and program id", async () => {
    const untrusting = await createDevChain({ seed: "checkpoint-test", slotsPerEpoch: 2, epochs: 1 });
    const receipt = await receiptOf(BatchTransitionSsz.serialize(untrusting.getCheckpoint(0).transition));
    const result = untrusting.submitCheckpointProof(0, receipt);
    expect(result.outcome === "rejected" && result.reason).toMatch(/no trusted prover key/);
    await expect(createDevChain({ epochs: 0, trustedProverKey: host.publicKey })).rejects.toThrow(/both/);
  });
});
