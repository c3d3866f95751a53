import { bytesEqual, shortHex } from "@paas/core/contracts";
import { type Chainstate, chainstateRoot } from "../types/chainstate.js";
import type { BatchInfo, BatchTransition, ClStfOutput } from "../types/checkpoint.js";
import { type RollupParams, rollupParamsRoot } from "../types/params.js";
import { RangeRejectedError } from "./errors.js";

/**
 * The checkpoint rule: CL STF outputs, in order, all proven under the same rollup params, that
 * cover the checkpoint's whole range within its epoch, each continuing the previous one (next slot,
 * same chainstate root), give the batch transition from the first initial root to the last final
 * root, under that params root. Which params those are is for the CL to judge (it compares the
 * transition's `paramsRoot` with its own params' root, see `expectedBatchTransition`); this rule
 * only refuses to mix them. The batch's epoch must be its index. Whether its range is the whole
 * epoch this rule cannot tell without the params' epoch length: the prover checks the CL's batch
 * info against the params before proving, and a part of an epoch ends at another chainstate root
 * than the epoch, which the CL's comparison refuses.
 */
export function combineClStfOutputs(batch: BatchInfo, outputs: readonly ClStfOutput[]): BatchTransition {
  const where = `checkpoint ${batch.index}`;
  const first = outputs[0];
  const last = outputs.at(-1);
  if (first === undefined || last === undefined)
    throw new RangeRejectedError("EMPTY", `${where}: no CL STF outputs`);
  // Checkpoint i covers epoch i (see epochs.ts): a batch under another index would prove one
  // epoch's transition in another checkpoint's name.
  if (batch.epoch !== batch.index) {
    throw new RangeRejectedError(
      "EPOCH",
      `${where}: covers epoch ${batch.epoch}; checkpoint i covers epoch i`,
    );
  }
  outputs.forEach((output, i) => {
    if (output.epoch !== batch.epoch) {
      throw new RangeRejectedError(
        "EPOCH",
        `${where}: output ${i} is for epoch ${output.epoch}, not ${batch.epoch}`,
      );
    }
    if (!bytesEqual(output.paramsRoot, first.paramsRoot)) {
      throw new RangeRejectedError(
        "PARAMS",
        `${where}: output ${i} was proven under rollup params ${shortHex(output.paramsRoot)}, output 0 under ${shortHex(first.paramsRoot)}`,
      );
    }
    if (output.start > output.end) {
      throw new RangeRejectedError(
        "COVERAGE",
        `${where}: output ${i} has range ${output.start}..${output.end}`,
      );
    }
    const previous = outputs[i - 1];
    if (previous === undefined) return;
    if (output.start !== previous.end + 1) {
      throw new RangeRejectedError(
        "CONTINUITY",
        `${where}: output ${i} starts at slot ${output.start}, expected ${previous.end + 1}`,
      );
    }
    if (!bytesEqual(output.initialChainstateRoot, previous.finalChainstateRoot)) {
      throw new RangeRejectedError(
        "CONTINUITY",
        `${where}: output ${i} starts from chainstate ${shortHex(output.initialChainstateRoot)}, output ${i - 1} ended at ${shortHex(previous.finalChainstateRoot)}`,
      );
    }
  });
  const { start, end } = batch.l2Range;
  if (first.start !== start || last.end !== end) {
    throw new RangeRejectedError(
      "COVERAGE",
      `${where}: outputs cover slots ${first.start}..${last.end}, the checkpoint is ${start}..${end}`,
    );
  }
  return {
    index: batch.index,
    epoch: batch.epoch,
    preStateRoot: first.initialChainstateRoot,
    postStateRoot: last.finalChainstateRoot,
    paramsRoot: first.paramsRoot,
  };
}

/**
 * The transition a checkpoint must prove, from the chainstates at either end of its range and the
 * CL's own rollup params (the CL's view, to compare a submitted proof's output with): a proof whose
 * `paramsRoot` is not the root of these params was made under someone else's sequencer key, chain
 * id, epoch length or genesis, and proves nothing about this chain.
 */
export function expectedBatchTransition(
  batch: BatchInfo,
  pre: Chainstate,
  post: Chainstate,
  params: RollupParams,
): BatchTransition {
  const { start, end } = batch.l2Range;
  if (pre.slot !== start - 1 || post.slot !== end) {
    throw new RangeError(
      `checkpoint ${batch.index} spans slots ${start}..${end}: needs chainstates at ${start - 1} and ${end}, got ${pre.slot} and ${post.slot}`,
    );
  }
  return {
    index: batch.index,
    epoch: batch.epoch,
    preStateRoot: chainstateRoot(pre),
    postStateRoot: chainstateRoot(post),
    paramsRoot: rollupParamsRoot(params),
  };
}
