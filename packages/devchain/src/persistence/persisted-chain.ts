import type { ChainBlock, StoredBlockRecord } from "@paas/evm";
import {
  type BatchInfo,
  BatchInfoSsz,
  BatchTransitionSsz,
  type Chainstate,
  ChainstateSsz,
  type SignedL2Block,
  SignedL2BlockSsz,
} from "@paas/rollup";
import type { CheckpointRecord } from "../dev-chain.js";
import type { StoredCheckpoint, StoredSlot } from "./chain-store.js";

/** An error opening a data directory whose chain cannot be continued with this config. */
export class DevChainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DevChainDataError";
  }
}

/**
 * Refuses to continue a stored chain under another config: the same data directory with another
 * seed, epoch size or chain id would mix two chains. Names every key that differs.
 */
export function requireSameIdentity(
  file: string,
  stored: Record<string, unknown>,
  configured: Record<string, unknown>,
): void {
  const differing = Object.keys({ ...stored, ...configured }).filter(
    (key) => JSON.stringify(stored[key]) !== JSON.stringify(configured[key]),
  );
  if (differing.length === 0) return;
  const what = differing
    .map((key) => `${key} is ${JSON.stringify(stored[key])} there, ${JSON.stringify(configured[key])} here`)
    .join("; ");
  throw new DevChainDataError(
    `${file} holds another chain (${what}): start with the same settings, or delete it to start a new chain`,
  );
}

/** An EL block as the store keeps it (witness headers by count: they are the chain's own headers). */
export function elRecord(block: ChainBlock): StoredBlockRecord {
  const { number, hash, parentHash, stateRoot, rlp, headerRlp } = block;
  const { state, codes, keys, headers } = block.witness;
  return {
    number,
    hash,
    parentHash,
    stateRoot,
    rlp,
    headerRlp,
    witness: { state, codes, keys, headerCount: headers.length },
  };
}

export function l2Fields(block: SignedL2Block, blockId: Uint8Array, chainstate: Chainstate) {
  return {
    l2Block: SignedL2BlockSsz.serialize(block),
    blockId: blockId.slice(),
    chainstate: ChainstateSsz.serialize(chainstate),
  } satisfies Partial<StoredSlot>;
}

export function decodeSlot(slot: StoredSlot): { l2: SignedL2Block; chainstate: Chainstate } {
  return {
    l2: SignedL2BlockSsz.deserialize(slot.l2Block),
    chainstate: ChainstateSsz.deserialize(slot.chainstate),
  };
}

export function checkpointFields(record: CheckpointRecord): Omit<StoredCheckpoint, "proof"> {
  return {
    index: record.info.index,
    info: BatchInfoSsz.serialize(record.info),
    transition: BatchTransitionSsz.serialize(record.transition),
  };
}

export function decodeCheckpoint(stored: StoredCheckpoint): CheckpointRecord {
  const info: BatchInfo = BatchInfoSsz.deserialize(stored.info);
  return {
    info,
    transition: BatchTransitionSsz.deserialize(stored.transition),
    ...(stored.proof !== undefined && {
      proof: { provenAt: new Date(stored.proof.provenAt), receipt: stored.proof.receipt },
    }),
  };
}
