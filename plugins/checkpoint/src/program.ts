/**
 * The checkpoint program. A proving worker imports this module, so it imports `@paas/zkvm/program`
 * (never `@paas/zkvm`) and the rollup's side-effect-free domain code, nothing of the host side.
 */
import type { ProofReceipt } from "@paas/core/contracts";
import {
  type BatchInfo,
  BatchInfoSsz,
  type BatchTransition,
  BatchTransitionSsz,
  CHECKPOINT,
  CL_STF,
  type ClStfOutput,
  ClStfOutputSsz,
  combineClStfOutputs,
} from "@paas/rollup/model";
import { defineProgram, type GuestEnv, programIdOf } from "@paas/zkvm/program";

/** What the checkpoint guest is given: the CL's batch info and the CL STF receipts, in slot order. */
export interface CheckpointInput {
  readonly batch: BatchInfo;
  readonly receipts: readonly ProofReceipt[];
}

/** Most CL STF receipts one checkpoint aggregates (a bound on the input the guest accepts). */
export const MAX_CL_STF_RECEIPTS = 4_096;

/**
 * The checks the guest runs before the rollup's range checks, in order:
 * - `INPUT`: the batch info is a `BatchInfo` (SSZ) and the receipt count is a count in bounds;
 * - `RECEIPT`: each CL STF receipt verifies recursively (host key, CL STF program id, version and
 *   proof type);
 * - `OUTPUT`: each receipt's public values are exactly one `ClStfOutput` (SSZ).
 * Then `combineClStfOutputs` of @paas/rollup: `EMPTY`, `EPOCH`, `PARAMS`, `CONTINUITY`, `COVERAGE`.
 */
export type CheckpointGuestCheck = "INPUT" | "RECEIPT" | "OUTPUT";

/** The CL STF program a checkpoint aggregates, as its receipts must name it. */
export const CL_STF_EXPECTED = {
  programId: programIdOf(CL_STF.program.name, CL_STF.program.version),
  version: CL_STF.program.version,
  proofType: CL_STF.program.proofType,
} as const;

/**
 * Aggregates the CL STF proofs of one checkpoint. The guest verifies every CL STF receipt
 * recursively, decodes its `ClStfOutput`, and joins the outputs with @paas/rollup's
 * `combineClStfOutputs`: the batch's epoch its index, same epoch for every output, same rollup params root for all, each output
 * continuing the previous one (next slot, same chainstate root), exact coverage of the batch's L2
 * range. Public values: exactly `BatchTransitionSsz.serialize({ index, epoch, preStateRoot,
 * postStateRoot, paramsRoot })`, which the CL decodes and compares byte for byte with its own view —
 * the params root with its own params' root: the guest does not know the CL's params, it only
 * refuses to mix proofs made under different ones and passes their root on. Any failed check throws
 * a message naming the check; the host turns it into a permanent failure.
 */
export const checkpointProgram = defineProgram<CheckpointInput, BatchTransition>({
  name: CHECKPOINT.program.name,
  version: CHECKPOINT.program.version,
  proofType: CHECKPOINT.program.proofType,
  module: import.meta.url,
  writeInput(input, writer) {
    writer.writeBytes(BatchInfoSsz.serialize(input.batch));
    writer.write(input.receipts.length);
    for (const receipt of input.receipts) writer.writeReceipt(receipt);
  },
  guest(env) {
    const batch = readBatch(env);
    const outputs = readClStfOutputs(env, batch);
    // EMPTY, EPOCH, PARAMS, CONTINUITY, COVERAGE: the rollup's checkpoint rule, one implementation for all.
    const transition = combineClStfOutputs(batch, outputs);
    env.commitBytes(BatchTransitionSsz.serialize(transition));
  },
  readOutput: decodeBatchTransition,
});

/** Decodes a checkpoint receipt's public values (exactly one `BatchTransition`, SSZ). */
export function decodeBatchTransition(publicValues: Uint8Array): BatchTransition {
  const size = BatchTransitionSsz.fixedSize;
  if (publicValues.length !== size) {
    throw new RangeError(
      `checkpoint public values are ${publicValues.length} bytes, a BatchTransition (SSZ) is ${size}`,
    );
  }
  return BatchTransitionSsz.deserialize(publicValues);
}

function rejected(check: CheckpointGuestCheck, where: string, detail: string): Error {
  return new Error(`${where} rejected by the ${check} check: ${detail}`);
}

function readBatch(env: GuestEnv): BatchInfo {
  const bytes = env.readBytes();
  if (bytes.length !== BatchInfoSsz.fixedSize) {
    throw rejected(
      "INPUT",
      "checkpoint",
      `the batch info is ${bytes.length} bytes, a BatchInfo (SSZ) is ${BatchInfoSsz.fixedSize}`,
    );
  }
  return BatchInfoSsz.deserialize(bytes);
}

function readClStfOutputs(env: GuestEnv, batch: BatchInfo): ClStfOutput[] {
  const where = `checkpoint ${batch.index}`;
  const count = env.read<unknown>();
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0 || count > MAX_CL_STF_RECEIPTS) {
    throw rejected(
      "INPUT",
      where,
      `the receipt count ${String(count)} is not a count of at most ${MAX_CL_STF_RECEIPTS}`,
    );
  }
  const outputs: ClStfOutput[] = [];
  for (let i = 0; i < count; i++) {
    let publicValues: Uint8Array;
    try {
      publicValues = env.readVerified(CL_STF_EXPECTED);
    } catch (error) {
      throw rejected("RECEIPT", where, `CL STF receipt ${i} of ${count}: ${messageOf(error)}`);
    }
    if (publicValues.length !== ClStfOutputSsz.fixedSize) {
      throw rejected(
        "OUTPUT",
        where,
        `CL STF receipt ${i} of ${count} commits ${publicValues.length} bytes, a ClStfOutput (SSZ) is ${ClStfOutputSsz.fixedSize}`,
      );
    }
    outputs.push(ClStfOutputSsz.deserialize(publicValues));
  }
  return outputs;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
