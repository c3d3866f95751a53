import type { SignedL2Block } from "../types/block.js";
import { type Chainstate, chainstateRoot } from "../types/chainstate.js";
import type { ClStfOutput } from "../types/checkpoint.js";
import type { EvmBlockCommitment } from "../types/commitments.js";
import { type RollupParams, rollupParamsRoot } from "../types/params.js";
import { applyBlock } from "./apply-block.js";
import { BlockRejectedError, RangeRejectedError } from "./errors.js";

export interface BlockRangeResult {
  readonly chainstate: Chainstate;
  /** What a CL STF proof of this range commits to. */
  readonly output: ClStfOutput;
}

/**
 * Applies consecutive blocks of one epoch, as the CL STF does. With `provenExecBlocks` (the EVM EE
 * STF output's blocks), every block's exec segment must match the proven block of the same number.
 * The output commits to `params` (`paramsRoot`): the signatures, epochs and genesis were checked
 * against them, and nothing else in the output says which they were.
 */
export function applyBlockRange(
  chainstate: Chainstate,
  blocks: readonly SignedL2Block[],
  params: RollupParams,
  provenExecBlocks?: readonly EvmBlockCommitment[],
): BlockRangeResult {
  const first = blocks[0];
  const last = blocks.at(-1);
  if (first === undefined || last === undefined) throw new RangeRejectedError("EMPTY", "no blocks to apply");
  const epoch = first.header.epoch;
  const proven = provenExecBlocks && new Map(provenExecBlocks.map((b) => [b.number, b]));
  let state = chainstate;
  for (const block of blocks) {
    if (block.header.epoch !== epoch) {
      throw new RangeRejectedError(
        "EPOCH",
        `block at slot ${block.header.slot} is in epoch ${block.header.epoch}, the range started in epoch ${epoch}`,
      );
    }
    const number = block.body.execSegment.elBlockNumber;
    const provenExecBlock = proven?.get(number);
    if (proven && provenExecBlock === undefined) {
      throw new BlockRejectedError(
        block.header.slot,
        "EXEC_SEGMENT",
        `no proven EL block numbered ${number}`,
      );
    }
    state = applyBlock(state, block, params, { provenExecBlock });
  }
  return {
    chainstate: state,
    output: {
      epoch,
      initialChainstateRoot: chainstateRoot(chainstate),
      finalChainstateRoot: chainstateRoot(state),
      start: first.header.slot,
      end: last.header.slot,
      paramsRoot: rollupParamsRoot(params),
    },
  };
}
