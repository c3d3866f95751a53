import { ContainerType, type ValueOf } from "@chainsafe/ssz";
import { z } from "zod";
import { Bytes32, Bytes64, bytes32Json, bytes64Json, Uint64, u64Json } from "./primitives.js";

/** The EL block an L2 block carries: one EL block per L2 block. */
export const ExecSegmentSsz = new ContainerType(
  { elBlockNumber: Uint64, elBlockHash: Bytes32, elStateRoot: Bytes32 },
  { typeName: "ExecSegment" },
);
export type ExecSegment = ValueOf<typeof ExecSegmentSsz>;
export const ExecSegmentJson = z.object({
  elBlockNumber: u64Json,
  elBlockHash: bytes32Json,
  elStateRoot: bytes32Json,
}) satisfies z.ZodType<ExecSegment>;

export const L2BlockHeaderSsz = new ContainerType(
  {
    slot: Uint64,
    epoch: Uint64,
    /** Unix seconds. */
    timestamp: Uint64,
    parentId: Bytes32,
    bodyRoot: Bytes32,
    /** See `headerStateRoot`: the post-state's root with its own block id left zero. */
    stateRoot: Bytes32,
  },
  { typeName: "L2BlockHeader" },
);
export type L2BlockHeader = ValueOf<typeof L2BlockHeaderSsz>;
export const L2BlockHeaderJson = z.object({
  slot: u64Json,
  epoch: u64Json,
  timestamp: u64Json,
  parentId: bytes32Json,
  bodyRoot: bytes32Json,
  stateRoot: bytes32Json,
}) satisfies z.ZodType<L2BlockHeader>;

export const L2BlockBodySsz = new ContainerType({ execSegment: ExecSegmentSsz }, { typeName: "L2BlockBody" });
export type L2BlockBody = ValueOf<typeof L2BlockBodySsz>;
export const L2BlockBodyJson = z.object({ execSegment: ExecSegmentJson }) satisfies z.ZodType<L2BlockBody>;

/** A block as the sequencer publishes it: BIP340 signature (64 bytes) over the block's signing message. */
export const SignedL2BlockSsz = new ContainerType(
  { header: L2BlockHeaderSsz, body: L2BlockBodySsz, signature: Bytes64 },
  { typeName: "SignedL2Block" },
);
export type SignedL2Block = ValueOf<typeof SignedL2BlockSsz>;
export const SignedL2BlockJson = z.object({
  header: L2BlockHeaderJson,
  body: L2BlockBodyJson,
  signature: bytes64Json,
}) satisfies z.ZodType<SignedL2Block>;

/** A block's id: the hash tree root of its header. */
export function blockIdOf(header: L2BlockHeader): Uint8Array {
  return L2BlockHeaderSsz.hashTreeRoot(header);
}

export function bodyRootOf(body: L2BlockBody): Uint8Array {
  return L2BlockBodySsz.hashTreeRoot(body);
}
