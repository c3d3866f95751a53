import {
  blockIdOf,
  bodyRootOf,
  type L2BlockBody,
  type L2BlockHeader,
  type SignedL2Block,
} from "../types/block.js";
import type { Chainstate } from "../types/chainstate.js";
import type { EvmBlockCommitment } from "../types/commitments.js";
import type { RollupParams } from "../types/params.js";
import { zeroHash } from "../types/primitives.js";
import { applyBlock } from "./apply-block.js";
import { epochOfSlot } from "./epochs.js";
import { signBlock } from "./signing.js";
import { headerStateRoot, nextChainstate } from "./transition.js";

export interface SequencerInput {
  /** Unix seconds. */
  readonly timestamp: number;
  /** The sequencer's 32-byte secret key; its public key must be the params' `sequencerPublicKey`. */
  readonly secretKey: Uint8Array;
}

export interface BuiltBlock {
  readonly block: SignedL2Block;
  readonly blockId: Uint8Array;
  /** The chainstate after the block. */
  readonly chainstate: Chainstate;
}

/**
 * The sequencer's side of the chain rules: the signed block at the next slot carrying `execBlock`,
 * and the chainstate it produces. The block is run through `applyBlock` before it is returned, so
 * the sequencer cannot publish a block the CL STF would reject (e.g. signed with the wrong key, or
 * an EL block that does not extend the exec tip).
 */
export function buildNextBlock(
  chainstate: Chainstate,
  execBlock: EvmBlockCommitment,
  params: RollupParams,
  { timestamp, secretKey }: SequencerInput,
): BuiltBlock {
  const slot = chainstate.tip.slot + 1;
  const position = { slot, epoch: epochOfSlot(slot, params) };
  const body: L2BlockBody = {
    execSegment: {
      elBlockNumber: execBlock.number,
      elBlockHash: execBlock.hash,
      elStateRoot: execBlock.stateRoot,
    },
  };
  const header: L2BlockHeader = {
    ...position,
    timestamp,
    parentId: chainstate.tip.blockId,
    bodyRoot: bodyRootOf(body),
    stateRoot: headerStateRoot(nextChainstate(position, body, zeroHash())),
  };
  const block: SignedL2Block = { header, body, signature: signBlock(header, secretKey, params) };
  const next = applyBlock(chainstate, block, params, { provenExecBlock: execBlock });
  return { block, blockId: blockIdOf(header), chainstate: next };
}
