import type { Hex } from "@paas/core/contracts";
import { z } from "zod";

/**
 * The rollup's three proof types, as the shared domain knows them: their routing kinds, program
 * identities, and context shapes. Plugins implement them; a plugin that depends on another proof
 * type (CL STF on EVM EE STF, checkpoint on CL STF) names its contexts and verifies its receipts
 * through these definitions, never by importing the other plugin. Changing a program's version
 * changes its program id, so receipts of the old guest stop verifying.
 *
 * Version 2 of all three bound their public values to what they were proven under: `EvmEeStfOutput`
 * the EL chain id, `ClStfOutput` and `BatchTransition` the rollup params' root. Version 3: the EVM EE
 * STF executes under a chain spec (fork schedule) and commits its hash in `EvmEeStfOutput`; the CL
 * STF requires it to be its params' `elChainSpecHash` (new in `RollupParams`); the checkpoint accepts
 * CL STF receipts of version 3 only.
 */
export const EVM_EE_STF = {
  kind: "evm-ee-stf",
  program: { name: "evm-ee-stf", version: "3", proofType: "compressed" },
} as const;
export const CL_STF = {
  kind: "cl-stf",
  program: { name: "cl-stf", version: "3", proofType: "compressed" },
} as const;
export const CHECKPOINT = {
  kind: "checkpoint",
  program: { name: "checkpoint", version: "3", proofType: "compressed" },
} as const;

const hash32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x-prefixed hex of 32 bytes")
  .transform((text) => text.toLowerCase() as Hex);
const blockNumber = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An EL block by number and hash, as it appears in a context. */
export const ElBlockRefSchema = z.strictObject({ number: blockNumber, hash: hash32 });
export type ElBlockRef = z.output<typeof ElBlockRefSchema>;

/** An L2 block by slot and id, as it appears in a context. */
export const L2BlockRefSchema = z.strictObject({ slot: blockNumber, blockId: hash32 });
export type L2BlockRef = z.output<typeof L2BlockRefSchema>;

/** Prove EL blocks `start..end` (inclusive). */
export const EvmEeStfContextSchema = z
  .strictObject({ kind: z.literal(EVM_EE_STF.kind), start: ElBlockRefSchema, end: ElBlockRefSchema })
  .refine((c) => c.start.number <= c.end.number, {
    message: "start.number must not exceed end.number",
    path: ["end", "number"],
  });
export type EvmEeStfContext = z.output<typeof EvmEeStfContextSchema>;

/** Prove L2 blocks `start..end` (inclusive), all in one epoch. */
export const ClStfContextSchema = z
  .strictObject({ kind: z.literal(CL_STF.kind), start: L2BlockRefSchema, end: L2BlockRefSchema })
  .refine((c) => c.start.slot <= c.end.slot, {
    message: "start.slot must not exceed end.slot",
    path: ["end", "slot"],
  });
export type ClStfContext = z.output<typeof ClStfContextSchema>;

/** Prove checkpoint `index` (epoch `index`). */
export const CheckpointContextSchema = z.strictObject({
  kind: z.literal(CHECKPOINT.kind),
  index: blockNumber,
});
export type CheckpointContext = z.output<typeof CheckpointContextSchema>;
