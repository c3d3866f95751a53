import { InvalidContextError, PermanentError, type ProofContext, parseContextWith } from "@paas/core";
import {
  blockIdOf,
  CL_STF,
  type ClStfContext,
  ClStfContextSchema,
  EVM_EE_STF,
  type EvmEeStfContext,
  epochOfSlot,
  epochRange,
  ReorgError,
  type RollupParams,
  type SignedL2Block,
  toHex,
} from "@paas/rollup";
import { MAX_BLOCKS_PER_PROOF } from "./program.js";

/**
 * Validates and normalises a CL STF context (lower-case hex ids): the shape by rollup's
 * `ClStfContextSchema`, then slot 0 (genesis, never proven) and the size bound. With
 * `slots_per_epoch` known (plugin settings), a range crossing an epoch boundary is refused here too.
 * Throws `InvalidContextError` naming the field.
 */
export function parseClStfContext(raw: ProofContext, slotsPerEpoch?: number): ClStfContext {
  const context = parseContextWith(CL_STF.kind, ClStfContextSchema, raw);
  const { start, end } = context;
  if (start.slot === 0) {
    throw new InvalidContextError(
      "invalid cl-stf context: start.slot: slot 0 is the genesis block, which is derived from the params and never proven; ranges start at slot 1 or later",
    );
  }
  const count = end.slot - start.slot + 1;
  if (count > MAX_BLOCKS_PER_PROOF) {
    throw new InvalidContextError(
      `invalid cl-stf context: end.slot: the range ${start.slot}..${end.slot} has ${count} blocks, at most ${MAX_BLOCKS_PER_PROOF} fit in one proof`,
    );
  }
  if (slotsPerEpoch !== undefined) {
    // Named: a setting shorter than the CL's epochs refuses the CL's own (every checkpoint's
    // dependencies), and the message must point at the setting, not at the range.
    const problem = epochCrossing(
      start.slot,
      end.slot,
      { slotsPerEpoch },
      `plugin_settings.${CL_STF.kind}.slots_per_epoch, which must be the CL's`,
    );
    if (problem !== undefined) throw new InvalidContextError(`invalid cl-stf context: end.slot: ${problem}`);
  }
  return context;
}

/**
 * Why slots `start..end` are not one epoch's, or undefined when they are. The rollup's rule: slot
 * 0 is genesis, epoch e covers slots e*S+1 .. (e+1)*S.
 */
export function epochCrossing(
  start: number,
  end: number,
  params: Pick<RollupParams, "slotsPerEpoch">,
  /** Where `params.slotsPerEpoch` comes from when it is not the CL's. */
  source?: string,
): string | undefined {
  const first = epochOfSlot(start, params);
  const last = epochOfSlot(end, params);
  if (first === last) return undefined;
  const range = (epoch: number) => {
    const { start: from, end: to } = epochRange(epoch, params);
    return `epoch ${epoch} (slots ${from}..${to})`;
  };
  return (
    `the range ${start}..${end} crosses an epoch boundary: slot ${start} is in ${range(first)}, ` +
    `slot ${end} in ${range(last)} (${params.slotsPerEpoch} slots per epoch${source === undefined ? "" : ` by ${source}`}); ` +
    "a CL STF proof covers slots of one epoch"
  );
}

/**
 * Requires the CL's blocks for the range to be the ones the context names. A different id means
 * the chain was reorganised since the context was made (or the context is wrong): a `ReorgError`,
 * permanent, since the context can never be proven on this chain.
 */
export function requireContextBlocks(context: ClStfContext, blocks: readonly SignedL2Block[]): void {
  const ends = [
    ["start", context.start, blocks[0]],
    ["end", context.end, blocks.at(-1)],
  ] as const;
  for (const [field, ref, block] of ends) {
    if (block === undefined) {
      throw new PermanentError(
        `the CL served no blocks for slots ${context.start.slot}..${context.end.slot}`,
      );
    }
    const id = toHex(blockIdOf(block.header));
    if (block.header.slot !== ref.slot || id !== ref.blockId) {
      throw new ReorgError("CL", field, { at: ref.slot, id: ref.blockId }, { at: block.header.slot, id });
    }
  }
}

/**
 * The EVM EE STF context for exactly the EL blocks a range carries: from the first block's exec
 * segment to the last's (the chain rules make the segments consecutive; the guest checks it).
 */
export function evmEeStfContextFor(blocks: readonly SignedL2Block[]): EvmEeStfContext {
  const first = blocks[0];
  const last = blocks.at(-1);
  if (first === undefined || last === undefined) throw new PermanentError("no blocks: no EL blocks to prove");
  const from = first.body.execSegment;
  const to = last.body.execSegment;
  if (to.elBlockNumber < from.elBlockNumber) {
    throw new PermanentError(
      `the block at slot ${last.header.slot} carries EL block ${to.elBlockNumber}, before EL block ${from.elBlockNumber} carried at slot ${first.header.slot}`,
    );
  }
  return {
    kind: EVM_EE_STF.kind,
    start: { number: from.elBlockNumber, hash: toHex(from.elBlockHash) },
    end: { number: to.elBlockNumber, hash: toHex(to.elBlockHash) },
  };
}
