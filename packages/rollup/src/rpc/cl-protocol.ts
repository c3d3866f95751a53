import { isJsonRpcCallError, JsonRpcError, RpcErrorCode } from "@paas/jsonrpc";
import { z } from "zod";
import { SignedL2BlockJson } from "../types/block.js";
import { ChainstateJson } from "../types/chainstate.js";
import { BatchInfoJson } from "../types/checkpoint.js";
import { RollupParamsJson } from "../types/params.js";
import { hexBytesJson, u64Json } from "../types/primitives.js";

/*
 * The CL's JSON-RPC protocol, in one place for both sides: the devnet serves it (`defineClMethod`)
 * and `ClClient` calls it, with the same params and result schemas, so the two cannot disagree.
 */

/** The CL's application error codes. Both are permanent for a client. */
export const ClErrorCode = {
  /** The checkpoint, slot or block asked for does not exist (yet). */
  NOT_FOUND: RpcErrorCode.NOT_FOUND,
  /** A submitted checkpoint proof was rejected; `data: { index, reason }` says why. */
  INVALID_PROOF: -32040,
} as const;

/**
 * What a valid checkpoint proof submission achieves. "already-proven" is a success, not an error:
 * resubmitting after a lost answer or a restart must not turn a proven checkpoint into a failed task
 * (the Rust original failed permanently on "proof already exists").
 */
export const CheckpointSubmissionJson = z.object({
  index: u64Json,
  outcome: z.enum(["accepted", "already-proven"]),
});
export type CheckpointSubmission = z.output<typeof CheckpointSubmissionJson>;

export const CheckpointStatusJson = z.object({
  index: u64Json,
  status: z.enum(["unproven", "proven"]),
});
export type CheckpointStatus = z.output<typeof CheckpointStatusJson>;

/**
 * Most blocks one `cl_getBlocksInRange` call answers; a CL refuses a wider range as invalid params.
 * `ClClient.getBlocksInRange` asks for a wider range in calls of at most this many slots: an epoch
 * may be longer (a CL STF proof covers up to 65 536 slots), and asked for whole it was refused.
 */
export const CL_MAX_BLOCKS_PER_CALL = 1024;

const noParams = z.tuple([]);
const index = z.tuple([u64Json]);

/** Every CL method: params (positional), result, and whether it changes state. */
export const CL_RPC = {
  cl_getRollupParams: { params: noParams, result: RollupParamsJson, mutates: false },
  /** null while no epoch has closed. */
  cl_getLatestCheckpointIndex: { params: noParams, result: u64Json.nullable(), mutates: false },
  /** null when every existing checkpoint is proven. */
  cl_getNextUnprovenCheckpointIndex: { params: noParams, result: u64Json.nullable(), mutates: false },
  cl_getCheckpointInfo: { params: index, result: BatchInfoJson, mutates: false },
  /** Inclusive slot range, from slot 1 (genesis is derived from the params, not served). */
  cl_getBlocksInRange: {
    params: z
      .tuple([u64Json.min(1), u64Json])
      .refine(([start, end]) => start <= end, "start slot must not exceed end slot"),
    result: z.array(SignedL2BlockJson),
    mutates: false,
  },
  cl_getChainstate: { params: z.tuple([u64Json]), result: ChainstateJson, mutates: false },
  /** The receipt in the zkVM receipt binary encoding, as hex. */
  cl_submitCheckpointProof: {
    params: z.tuple([u64Json, hexBytesJson()]),
    result: CheckpointSubmissionJson,
    mutates: true,
  },
  cl_getCheckpointStatus: { params: index, result: CheckpointStatusJson, mutates: false },
} as const;

export type ClMethodName = keyof typeof CL_RPC;
export type ClParams<M extends ClMethodName> = z.output<(typeof CL_RPC)[M]["params"]>;
export type ClResult<M extends ClMethodName> = z.output<(typeof CL_RPC)[M]["result"]>;

/**
 * A method's params schema with its own types. (Indexing `CL_RPC` with a generic name gives a
 * union of schemas TypeScript cannot call; each entry is this type by construction.)
 */
export function clParamsSchema<M extends ClMethodName>(method: M): z.ZodType<ClParams<M>, unknown> {
  return CL_RPC[method].params as unknown as z.ZodType<ClParams<M>, unknown>;
}

/** A method's result schema with its own types (see `clParamsSchema`). */
export function clResultSchema<M extends ClMethodName>(method: M): z.ZodType<ClResult<M>, unknown> {
  return CL_RPC[method].result as unknown as z.ZodType<ClResult<M>, unknown>;
}

/** The error a CL answers when something asked for does not exist. */
export function clNotFound(what: string): JsonRpcError {
  return new JsonRpcError(ClErrorCode.NOT_FOUND, `${what} not found`);
}

/** The error a CL answers for a rejected checkpoint proof. */
export function invalidCheckpointProof(index: number, reason: string): JsonRpcError {
  return new JsonRpcError(ClErrorCode.INVALID_PROOF, `checkpoint ${index}: invalid proof: ${reason}`, {
    index,
    reason,
  });
}

/** Whether `error` is a CL's answer that what was asked for does not exist (yet). */
export function isClNotFound(error: unknown): boolean {
  return isJsonRpcCallError(error) && error.rpcCode === ClErrorCode.NOT_FOUND;
}

/** The CL's reason when `error` is its rejection of a checkpoint proof, else undefined. */
export function invalidProofReason(error: unknown): string | undefined {
  if (!isJsonRpcCallError(error) || error.rpcCode !== ClErrorCode.INVALID_PROOF) return undefined;
  const data = error.rpcData;
  if (typeof data === "object" && data !== null && "reason" in data && typeof data.reason === "string") {
    return data.reason;
  }
  return error.message;
}
