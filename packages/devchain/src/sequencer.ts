import {
  type BatchInfo,
  type BuiltBlock,
  batchInfoForCheckpoint,
  buildGenesis,
  buildNextBlock,
  bytesEqual,
  type Chainstate,
  type EvmBlockCommitment,
  type GenesisBlock,
  isLastSlotOfEpoch,
  type RollupParams,
  type SignedL2Block,
  sequencerPublicKey,
} from "@paas/rollup";
import { DevChainNotFoundError } from "./errors.js";

/** One slot the sequencer has filled. */
export interface SequencedBlock extends BuiltBlock {
  /** The checkpoint this block closed (its epoch's), when it is the last slot of its epoch. */
  readonly closedCheckpoint?: BatchInfo;
}

/**
 * The CL sequencer: one signed L2 block per EL block, built with @paas/rollup's `buildNextBlock`
 * (the same rules the CL STF guest applies), and the chainstate after every slot.
 */
export class Sequencer {
  readonly genesis: GenesisBlock;
  /** `blocks[slot - 1]` is the block of `slot`. */
  private readonly blocks: SignedL2Block[] = [];
  private readonly blockIds: Uint8Array[] = [];
  /** `chainstates[slot]` is the chainstate after `slot` (index 0: genesis). */
  private readonly chainstates: Chainstate[];

  constructor(
    readonly params: RollupParams,
    private readonly secretKey: Uint8Array,
  ) {
    if (!bytesEqual(sequencerPublicKey(secretKey), params.sequencerPublicKey)) {
      throw new RangeError("the sequencer key is not the one the rollup params name");
    }
    this.genesis = buildGenesis(params);
    this.chainstates = [this.genesis.chainstate];
    this.blockIds = [this.genesis.blockId];
  }

  /** The last filled slot (0 before any block). */
  get tipSlot(): number {
    return this.chainstates.length - 1;
  }

  get tip(): Chainstate {
    return this.chainstates[this.tipSlot]!;
  }

  /** Builds, signs and applies the block of the next slot, carrying `execBlock`. */
  sequence(execBlock: EvmBlockCommitment, timestamp: number): SequencedBlock {
    const built = buildNextBlock(this.tip, execBlock, this.params, { timestamp, secretKey: this.secretKey });
    const { slot, epoch } = built.block.header;
    this.blocks.push(built.block);
    this.blockIds.push(built.blockId);
    this.chainstates.push(built.chainstate);
    return isLastSlotOfEpoch(slot, this.params)
      ? { ...built, closedCheckpoint: batchInfoForCheckpoint(epoch, this.params) }
      : built;
  }

  /** Takes back a slot this sequencer filled before (a restored chain): no signing, no checks. */
  adopt(block: SignedL2Block, blockId: Uint8Array, chainstate: Chainstate): void {
    if (block.header.slot !== this.tipSlot + 1) {
      throw new RangeError(`cannot adopt the block of slot ${block.header.slot} after slot ${this.tipSlot}`);
    }
    this.blocks.push(block);
    this.blockIds.push(blockId);
    this.chainstates.push(chainstate);
  }

  chainstateAt(slot: number): Chainstate {
    const chainstate = this.chainstates[slot];
    if (chainstate === undefined) throw new DevChainNotFoundError(`chainstate at slot ${slot}`);
    return chainstate;
  }

  blockAt(slot: number): SignedL2Block {
    const block = slot >= 1 ? this.blocks[slot - 1] : undefined;
    if (block === undefined) throw new DevChainNotFoundError(`L2 block at slot ${slot}`);
    return block;
  }

  blockIdAt(slot: number): Uint8Array {
    const id = this.blockIds[slot];
    if (id === undefined) throw new DevChainNotFoundError(`L2 block at slot ${slot}`);
    return id;
  }

  /** Blocks of slots `start..end` inclusive (`start >= 1`: genesis is derived from the params, not served). */
  blocksInRange(start: number, end: number): SignedL2Block[] {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 1 || end < start) {
      throw new RangeError(`bad slot range ${start}..${end}: need 1 <= start <= end`);
    }
    if (end > this.tipSlot) throw new DevChainNotFoundError(`slot ${end}`);
    return this.blocks.slice(start - 1, end);
  }
}
