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

/**
 * The checkpoint proof's public output: the chainstate before and after the epoch, and the root of
 * the rollup params every aggregated CL STF proof was made under (`rollupParamsRoot`). The CL
 * accepts it only if all of it equals its own view, `paramsRoot` included: a proof of the right
 * roots under another sequencer key is not a proof of its chain.
 */
export const BatchTransitionSsz = new ContainerType(
  { index: Uint64, epoch: Uint64, preStateRoot: Bytes32, postStateRoot: Bytes32, paramsRoot: Bytes32 },
  { typeName: "BatchTransition" },
);
export type BatchTransition = ValueOf<typeof BatchTransitionSsz>;
export const BatchTransitionJson = z.object({
  index: u64Json,
  epoch: u64Json,
  preStateRoot: bytes32Json,
  postStateRoot: bytes32Json,
  paramsRoot: bytes32Json,
}) satisfies z.ZodType<BatchTransition>;

/**
 * The CL STF proof's public output: a range of slots of one epoch applied to a chainstate, under
 * the rollup params whose root is `paramsRoot` (the ones the guest checked signatures, epochs and
 * genesis against; block headers do not commit to them, so the output must).
 */
export const ClStfOutputSsz = new ContainerType(
  {
    epoch: Uint64,
    initialChainstateRoot: Bytes32,
    finalChainstateRoot: Bytes32,
    start: Uint64,
    end: Uint64,
    paramsRoot: Bytes32,
  },
  { typeName: "ClStfOutput" },
);
export type ClStfOutput = ValueOf<typeof ClStfOutputSsz>;
export const ClStfOutputJson = z.object({
  epoch: u64Json,
  initialChainstateRoot: bytes32Json,
  finalChainstateRoot: bytes32Json,
  start: u64Json,
  end: u64Json,
  paramsRoot: bytes32Json,
}) satisfies z.ZodType<ClStfOutput>;

/** Most EL blocks one EVM EE STF proof may cover (an SSZ list needs a bound). */
export const MAX_EVM_BLOCKS_PER_PROOF = 65_536;

/** The blocks an EVM EE STF proof executed, in order (at most `MAX_EVM_BLOCKS_PER_PROOF`). */
export const EvmBlockCommitmentListSsz = new ListCompositeType(
  EvmBlockCommitmentSsz,
  MAX_EVM_BLOCKS_PER_PROOF,
  {
    typeName: "EvmBlockCommitmentList",
  },
);

/**
 * The EVM EE STF proof's public output: the EL chain id and the hash of the chain spec (fork
 * schedule) whose rules the blocks were executed under, and the blocks, in order. A container
 * rather than a bare list so that what the blocks were executed under is part of the one SSZ value
 * the program commits; the CL STF requires the chain id to be its params' `chainId` and the hash to
 * be their `elChainSpecHash`.
 */
export const EvmEeStfOutputSsz = new ContainerType(
  { chainId: Uint64, chainSpecHash: Bytes32, blocks: EvmBlockCommitmentListSsz },
  { typeName: "EvmEeStfOutput" },
);
export type EvmEeStfOutput = ValueOf<typeof EvmEeStfOutputSsz>;
export const EvmEeStfOutputJson = z.object({
  chainId: u64Json,
  chainSpecHash: bytes32Json,
  blocks: z.array(EvmBlockCommitmentJson).max(MAX_EVM_BLOCKS_PER_PROOF),
}) satisfies z.ZodType<EvmEeStfOutput>;
