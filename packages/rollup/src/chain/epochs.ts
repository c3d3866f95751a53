import type { BatchInfo, L2Range } from "../types/checkpoint.js";
import type { RollupParams } from "../types/params.js";

/*
 * The epoch rule. Slot 0 is the genesis block: derived from the rollup params, unsigned, never
 * applied nor proven, and in no epoch's range. Epoch e covers the `slotsPerEpoch` slots
 * e*S+1 .. (e+1)*S, so its pre-state is the chainstate at slot e*S (genesis, for epoch 0) and its
 * post-state the chainstate at (e+1)*S. Checkpoint i covers epoch i.
 *
 * The genesis block and chainstate carry epoch 0: the epoch whose pre-state they are.
 */

export function epochOfSlot(slot: number, params: Pick<RollupParams, "slotsPerEpoch">): number {
  checkCount(slot, "slot");
  const perEpoch = slotsPerEpochOf(params);
  return slot === 0 ? 0 : Math.floor((slot - 1) / perEpoch);
}

/** The inclusive slot range of an epoch. */
export function epochRange(epoch: number, params: Pick<RollupParams, "slotsPerEpoch">): L2Range {
  checkCount(epoch, "epoch");
  const perEpoch = slotsPerEpochOf(params);
  return { start: epoch * perEpoch + 1, end: (epoch + 1) * perEpoch };
}

/** Whether `slot` closes its epoch (so the sequencer creates that epoch's checkpoint). */
export function isLastSlotOfEpoch(slot: number, params: Pick<RollupParams, "slotsPerEpoch">): boolean {
  checkCount(slot, "slot");
  return slot > 0 && slot % slotsPerEpochOf(params) === 0;
}

/** What checkpoint `index` covers: epoch `index`. */
export function batchInfoForCheckpoint(
  index: number,
  params: Pick<RollupParams, "slotsPerEpoch">,
): BatchInfo {
  return { index, epoch: index, l2Range: epochRange(index, params) };
}

function slotsPerEpochOf(params: Pick<RollupParams, "slotsPerEpoch">): number {
  const { slotsPerEpoch } = params;
  if (!Number.isSafeInteger(slotsPerEpoch) || slotsPerEpoch < 1) {
    throw new RangeError(`slotsPerEpoch must be a positive integer, got ${slotsPerEpoch}`);
  }
  return slotsPerEpoch;
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
  }
}
