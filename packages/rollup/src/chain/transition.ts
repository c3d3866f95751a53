import type { L2BlockBody, L2BlockHeader } from "../types/block.js";
import { type Chainstate, chainstateRoot } from "../types/chainstate.js";
import { zeroHash } from "../types/primitives.js";

/**
 * The chainstate a block produces: the block becomes the tip, its EL block the exec tip. The one
 * definition used by `applyBlock`, the sequencer and genesis.
 */
export function nextChainstate(
  header: Pick<L2BlockHeader, "slot" | "epoch">,
  body: L2BlockBody,
  blockId: Uint8Array,
): Chainstate {
  const { elBlockNumber, elBlockHash, elStateRoot } = body.execSegment;
  return {
    slot: header.slot,
    epoch: header.epoch,
    tip: { slot: header.slot, blockId },
    execTip: { number: elBlockNumber, hash: elBlockHash, stateRoot: elStateRoot },
  };
}

/**
 * The root a header's `stateRoot` holds: the root of the chainstate the block produces, with the
 * tip's block id set to zero. A header cannot commit to a chainstate that contains its own id (the
 * id hashes the header), so that one field is left out; everything else is committed. Full
 * chainstate roots (`chainstateRoot`) are what the CL STF and checkpoints carry.
 */
export function headerStateRoot(chainstate: Chainstate): Uint8Array {
  return chainstateRoot({ ...chainstate, tip: { slot: chainstate.tip.slot, blockId: zeroHash() } });
}
