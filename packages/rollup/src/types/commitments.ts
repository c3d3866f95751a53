import { ContainerType, type ValueOf } from "@chainsafe/ssz";
import { z } from "zod";
import { Bytes32, bytes32Json, Uint64, u64Json } from "./primitives.js";

/** An L2 block by slot and id. */
export const L2BlockCommitmentSsz = new ContainerType(
  { slot: Uint64, blockId: Bytes32 },
  { typeName: "L2BlockCommitment" },
);
export type L2BlockCommitment = ValueOf<typeof L2BlockCommitmentSsz>;
export const L2BlockCommitmentJson = z.object({
  slot: u64Json,
  blockId: bytes32Json,
}) satisfies z.ZodType<L2BlockCommitment>;

/** An EL block by number and hash. */
export const ElBlockCommitmentSsz = new ContainerType(
  { number: Uint64, hash: Bytes32 },
  { typeName: "ElBlockCommitment" },
);
export type ElBlockCommitment = ValueOf<typeof ElBlockCommitmentSsz>;
export const ElBlockCommitmentJson = z.object({
  number: u64Json,
  hash: bytes32Json,
}) satisfies z.ZodType<ElBlockCommitment>;

/** The EL block a chainstate has executed up to, with the state it left: the chainstate's `execTip`. */
export const ExecTipSsz = new ContainerType(
  { number: Uint64, hash: Bytes32, stateRoot: Bytes32 },
  { typeName: "ExecTip" },
);
export type ExecTip = ValueOf<typeof ExecTipSsz>;
export const ExecTipJson = z.object({
  number: u64Json,
  hash: bytes32Json,
  stateRoot: bytes32Json,
}) satisfies z.ZodType<ExecTip>;

/** One EL block as the EVM EE STF proves it: what it is, what it extends, and the state it produced. */
export const EvmBlockCommitmentSsz = new ContainerType(
  { number: Uint64, hash: Bytes32, parentHash: Bytes32, stateRoot: Bytes32 },
  { typeName: "EvmBlockCommitment" },
);
export type EvmBlockCommitment = ValueOf<typeof EvmBlockCommitmentSsz>;
export const EvmBlockCommitmentJson = z.object({
  number: u64Json,
  hash: bytes32Json,
  parentHash: bytes32Json,
  stateRoot: bytes32Json,
}) satisfies z.ZodType<EvmBlockCommitment>;
