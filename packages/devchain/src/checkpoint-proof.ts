import type { ProofReceipt } from "@paas/core";
import { type BatchTransition, BatchTransitionSsz, bytesEqual, shortHex, toHex } from "@paas/rollup";
import { decodeReceipt, verifyReceipt } from "@paas/zkvm";

/** Who the CL trusts to prove checkpoints: the prover host's key and the checkpoint program. */
export interface CheckpointTrust {
  /** x-only BIP340 public key of the prover host (32 bytes). */
  readonly trustedProverKey: Uint8Array;
  /** Program id of the checkpoint program (32 bytes). */
  readonly checkpointProgramId: Uint8Array;
}

export type ProofCheck =
  | { readonly ok: true; readonly receipt: ProofReceipt }
  | { readonly ok: false; readonly reason: string };

/**
 * The CL's acceptance rule for a checkpoint proof: the receipt decodes, verifies against the
 * trusted prover key and the checkpoint program id, and its public values — by convention the SSZ
 * serialization of the program's output type, here `BatchTransition` — are exactly the transition
 * the CL expects (index, epoch, pre- and post-state roots, and the root of the CL's own rollup
 * params: a proof made under someone else's params, e.g. the chain's blocks re-signed with another
 * key, has the right state roots and the wrong params root). Never throws; a failure says why.
 */
export function checkCheckpointProof(
  receiptBytes: Uint8Array,
  expected: BatchTransition,
  trust: CheckpointTrust,
): ProofCheck {
  let receipt: ProofReceipt;
  try {
    receipt = decodeReceipt(receiptBytes);
  } catch (error) {
    return { ok: false, reason: `the receipt does not decode: ${messageOf(error)}` };
  }
  try {
    verifyReceipt(receipt, { publicKey: trust.trustedProverKey, programId: trust.checkpointProgramId });
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
  const { publicValues } = receipt;
  const size = BatchTransitionSsz.fixedSize;
  if (publicValues.length !== size) {
    return {
      ok: false,
      reason: `public values are ${publicValues.length} bytes, a BatchTransition (SSZ) is ${size}`,
    };
  }
  const claimed = BatchTransitionSsz.deserialize(publicValues);
  const mismatches = [
    claimed.index !== expected.index && `index ${claimed.index}, expected ${expected.index}`,
    claimed.epoch !== expected.epoch && `epoch ${claimed.epoch}, expected ${expected.epoch}`,
    !bytesEqual(claimed.preStateRoot, expected.preStateRoot) &&
      `pre-state root ${shortHex(claimed.preStateRoot)}, expected ${shortHex(expected.preStateRoot)}`,
    !bytesEqual(claimed.postStateRoot, expected.postStateRoot) &&
      `post-state root ${shortHex(claimed.postStateRoot)}, expected ${shortHex(expected.postStateRoot)}`,
    !bytesEqual(claimed.paramsRoot, expected.paramsRoot) &&
      `params root ${shortHex(claimed.paramsRoot)}, expected ${shortHex(expected.paramsRoot)} (the proof was made under other rollup params)`,
  ].filter((text): text is string => typeof text === "string");
  if (mismatches.length > 0) {
    return { ok: false, reason: `the proven transition differs from the CL's: ${mismatches.join("; ")}` };
  }
  // Field equality implies byte equality for a fixed-size container; checked anyway, cheaply.
  if (!bytesEqual(publicValues, BatchTransitionSsz.serialize(expected))) {
    return {
      ok: false,
      reason: `public values ${toHex(publicValues)} are not the expected transition's encoding`,
    };
  }
  return { ok: true, receipt };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
