import {
  InvalidContextError,
  PermanentError,
  type ProofContext,
  parseContextWith,
  TransientError,
} from "@paas/core";
import {
  blockIdOf,
  bytesEqual,
  type Chainstate,
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
 * `ClStfContextSchema`, then slot 0 (genesis, never proven), one id for a one-slot range, and the
 * size bound. With `slots_per_epoch` known (plugin settings), a range crossing an epoch boundary is
 * refused here too. Throws `InvalidContextError` naming the field.
 */
export function parseClStfContext(raw: ProofContext, slotsPerEpoch?: number): ClStfContext {
  const context = parseContextWith(CL_STF.kind, ClStfContextSchema, raw);
  const { start, end } = context;
  if (start.slot === 0) {
    throw new InvalidContextError(
      "invalid cl-stf context: start.slot: slot 0 is the genesis block, which is derived from the params and never proven; ranges start at slot 1 or later",
    );
  }
  if (start.slot === end.slot && start.blockId !== end.blockId) {
    // One slot has one block: the CL could only ever match one of the ids, and the other would
    // fail the task at resolution as a reorg, after it was stored.
    throw new InvalidContextError(
      `invalid cl-stf context: end.blockId: the range is the one slot ${start.slot}, whose block start.blockId names ${start.blockId}; end.blockId names another, ${end.blockId}`,
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
 * Why `plugin_settings.cl-stf.slots_per_epoch` (when given) is not the CL's, or undefined when it
 * is. A setting that differs refuses at submit ranges the CL's params accept, or accepts ranges
 * they refuse.
 */
export function slotsPerEpochMismatch(
  configured: number | undefined,
  params: Pick<RollupParams, "slotsPerEpoch">,
): string | undefined {
  if (configured === undefined || configured === params.slotsPerEpoch) return undefined;
  return `plugin_settings.${CL_STF.kind}.slots_per_epoch is ${configured}, the CL's rollup params say ${params.slotsPerEpoch}: fix the setting`;
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
 * Requires the CL's chainstate before the range to be the one the range's first block was built
 * on: its tip is that block's parent. The guest would fail the PARENT check after a whole proving
 * run, permanently, though the blocks are the context's. They come from separate calls, so the CL
 * answered from two views of the chain (a reorg between them, a replica mid-update): transient,
 * and a retry reads both again, consistent or with the blocks replaced (a `ReorgError`). A tip at
 * another slot that is the parent (a skipped slot) is the chain's own fault: the guest refuses it.
 */
export function requireLinkedChainstate(chainstate: Chainstate, first: SignedL2Block): void {
  const { tip } = chainstate;
  if (!bytesEqual(tip.blockId, first.header.parentId)) {
    throw new TransientError(
      `the CL's chainstate at slot ${chainstate.slot} has tip ${toHex(tip.blockId)} (slot ${tip.slot}), ` +
        `but its block at slot ${first.header.slot} is built on ${toHex(first.header.parentId)}: the CL answered from two views of the chain`,
    );
  }
}

/**
 * The EVM EE STF context for exactly the EL blocks a range carries: from the first block's exec
 * segment to the last's. The chain rules make the segments consecutive; a range whose are not is
 * refused here, permanently, before anything is proven for it (the guest checks it too).
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
  // Checked here, not only by the guest: with a gap the dependency would prove EL blocks the range
  // does not carry (or be refused for its length, saying nothing of the gap), all for a range the
  // guest rejects.
  for (const [i, block] of blocks.entries()) {
    const previous = blocks[i - 1];
    if (previous === undefined) continue;
    const carried = block.body.execSegment.elBlockNumber;
    const expected = previous.body.execSegment.elBlockNumber + 1;
    if (carried !== expected) {
      throw new PermanentError(
        `the block at slot ${block.header.slot} carries EL block ${carried}, not EL block ${expected} after EL block ${expected - 1} carried at slot ${previous.header.slot}: the range's EL blocks are not consecutive`,
      );
    }
  }
  return {
    kind: EVM_EE_STF.kind,
    start: { number: from.elBlockNumber, hash: toHex(from.elBlockHash) },
    end: { number: to.elBlockNumber, hash: toHex(to.elBlockHash) },
  };
}
