import { blockIdOf, bodyRootOf, type L2BlockBody, type L2BlockHeader } from "../types/block.js";
import type { Chainstate } from "../types/chainstate.js";
import type { RollupParams } from "../types/params.js";
import { zeroHash } from "../types/primitives.js";
import { headerStateRoot, nextChainstate } from "./transition.js";

export interface GenesisBlock {
  readonly header: L2BlockHeader;
  readonly body: L2BlockBody;
  readonly blockId: Uint8Array;
  /** The chainstate at slot 0: the pre-state of epoch 0. */
  readonly chainstate: Chainstate;
}

/**
 * The genesis block (slot 0, epoch 0, zero parent) and its chainstate, derived from the params
 * alone. It is trusted rather than signed: anyone holding the params computes the same block.
 */
export function buildGenesis(params: Pick<RollupParams, "genesis">): GenesisBlock {
  const { timestamp, execBlock } = params.genesis;
  const body: L2BlockBody = {
    execSegment: {
      elBlockNumber: execBlock.number,
      elBlockHash: execBlock.hash,
      elStateRoot: execBlock.stateRoot,
    },
  };
  const position = { slot: 0, epoch: 0 };
  const header: L2BlockHeader = {
    ...position,
    timestamp,
    parentId: zeroHash(),
    bodyRoot: bodyRootOf(body),
    stateRoot: headerStateRoot(nextChainstate(position, body, zeroHash())),
  };
  const blockId = blockIdOf(header);
  return { header, body, blockId, chainstate: nextChainstate(position, body, blockId) };
}

/** The genesis chainstate alone: what a chain's first `applyBlock` starts from. */
export function buildGenesisChainstate(params: Pick<RollupParams, "genesis">): Chainstate {
  return buildGenesis(params).chainstate;
}
