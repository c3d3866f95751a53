import { ContainerType, ListCompositeType, type ValueOf } from "@chainsafe/ssz";
import { z } from "zod";
import { EvmBlockCommitmentJson, EvmBlockCommitmentSsz } from "./commitments.js";
import { Bytes32, bytes32Json, Uint64, u64Json } from "./primitives.js";

/** An inclusive range of L2 slots. */
export const L2RangeSsz = new ContainerType({ start: Uint64, end: Uint64 }, { typeName: "L2Range" });
export type L2Range = ValueOf<typeof L2RangeSsz>;
export const L2RangeJson = z
  .object({ start: u64Json, end: u64Json })
  .refine(
    (range) => range.start <= range.end,
    "range start must not exceed its end",
  ) satisfies z.ZodType<L2Range>;

/** What checkpoint `index` covers: one epoch's L2 blocks. */
export const BatchInfoSsz = new ContainerType(
  { index: Uint64, epoch: Uint64, l2Range: L2RangeSsz },
  { typeName: "BatchInfo" },
);
export type BatchInfo = ValueOf<typeof BatchInfoSsz>;
export const BatchInfoJson = z.object({
  index: u64Json,
  epoch: u64Json,
  l2Range: L2RangeJson,
}) satisfies z.ZodType<BatchInfo>;

/** The checkpoint proof's public output: the chainstate before and after the epoch. */
export const BatchTransitionSsz = new ContainerType(
  { index: Uint64, epoch: Uint64, preStateRoot: Bytes32, postStateRoot: Bytes32 },
  { typeName: "BatchTransition" },
);
export type BatchTransition = ValueOf<typeof BatchTransitionSsz>;
export const BatchTransitionJson = z.object({
  index: u64Json,
  epoch: u64Json,
  preStateRoot: bytes32Json,
  postStateRoot: bytes32Json,
}) satisfies z.ZodType<BatchTransition>;

/** The CL STF proof's public output: a range of slots of one epoch applied to a chainstate. */
export const ClStfOutputSsz = new ContainerType(
  { epoch: Uint64, initialChainstateRoot: Bytes32, finalChainstateRoot: Bytes32, start: Uint64, end: Uint64 },
  { typeName: "ClStfOutput" },
);
export type ClStfOutput = ValueOf<typeof ClStfOutputSsz>;
export const ClStfOutputJson = z.object({
  epoch: u64Json,
  initialChainstateRoot: bytes32Json,
  finalChainstateRoot: bytes32Json,
  start: u64Json,
  end: u64Json,
}) satisfies z.ZodType<ClStfOutput>;

/** Most EL blocks one EVM EE STF proof may cover (an SSZ list needs a bound). */
export const MAX_EVM_BLOCKS_PER_PROOF = 65_536;

/** The EVM EE STF proof's public output: the blocks it executed, in order. */
export const EvmEeStfOutputSsz = new ListCompositeType(EvmBlockCommitmentSsz, MAX_EVM_BLOCKS_PER_PROOF, {
  typeName: "EvmEeStfOutput",
});
export type EvmEeStfOutput = ValueOf<typeof EvmEeStfOutputSsz>;
export const EvmEeStfOutputJson = z
  .array(EvmBlockCommitmentJson)
  .max(MAX_EVM_BLOCKS_PER_PROOF) satisfies z.ZodType<EvmEeStfOutput>;
