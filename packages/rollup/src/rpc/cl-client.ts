import { InvalidParamsError } from "@paas/core/contracts";
import { type CallOptions, describeIssues, JsonRpcClient } from "@paas/jsonrpc";
import type { SignedL2Block } from "../types/block.js";
import type { Chainstate } from "../types/chainstate.js";
import type { BatchInfo } from "../types/checkpoint.js";
import type { RollupParams } from "../types/params.js";
import {
  type CheckpointStatus,
  type CheckpointSubmission,
  CL_MAX_BLOCKS_PER_CALL,
  ClErrorCode,
  type ClMethodName,
  type ClParams,
  type ClResult,
  clParamsSchema,
  clResultSchema,
} from "./cl-protocol.js";
import type { RollupClientOptions } from "./client-options.js";

export interface ClClientOptions extends RollupClientOptions<ClMethodName> {
  /** Larger answers are refused (permanent, "malformed") as soon as they pass it. Default 16 MiB. */
  readonly maxResponseBytes?: number;
}

/**
 * The CL's largest answer is `CL_MAX_BLOCKS_PER_CALL` blocks, under 1 MiB of JSON. A node answering
 * more is answering garbage: @paas/jsonrpc's default (256 MiB) had that much read per attempt, for
 * each of the checkpoint runner's two calls per tick, before refusing it.
 */
const DEFAULT_CL_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Typed client of the CL's JSON-RPC API. Results are validated and decoded (hex into bytes); an
 * answer that does not fit, or does not answer the question asked (another index, other slots), is
 * a permanent failure naming the method. Failures are classified as `JsonRpcClient` does, with the
 * CL's `INVALID_PROOF` permanent too.
 */
export class ClClient {
  private readonly rpc: JsonRpcClient;
  private readonly timeouts: Partial<Record<ClMethodName, number>>;

  constructor(options: ClClientOptions) {
    this.rpc = new JsonRpcClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      bearerToken: options.bearerToken,
      permanentCodes: [ClErrorCode.INVALID_PROOF],
      retry: options.retry,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_CL_MAX_RESPONSE_BYTES,
    });
    this.timeouts = options.methodTimeoutsMs ?? {};
  }

  getRollupParams(options?: CallOptions): Promise<RollupParams> {
    return this.call("cl_getRollupParams", [], options);
  }

  getLatestCheckpointIndex(options?: CallOptions): Promise<number | null> {
    return this.call("cl_getLatestCheckpointIndex", [], options);
  }

  getNextUnprovenCheckpointIndex(options?: CallOptions): Promise<number | null> {
    return this.call("cl_getNextUnprovenCheckpointIndex", [], options);
  }

  getCheckpointInfo(index: number, options?: CallOptions): Promise<BatchInfo> {
    return this.call("cl_getCheckpointInfo", [index], options, (info) =>
      info.index === index ? undefined : `asked for checkpoint ${index}, got ${info.index}`,
    );
  }

  /**
   * The signed blocks of slots `startSlot..endSlot` (inclusive), in order: one call per
   * `CL_MAX_BLOCKS_PER_CALL` slots, one after the other.
   */
  async getBlocksInRange(
    startSlot: number,
    endSlot: number,
    options?: CallOptions,
  ): Promise<SignedL2Block[]> {
    const blocks: SignedL2Block[] = [];
    let start = startSlot;
    // At least one call: a range the params refuse (start after end) is refused as before.
    do {
      const end = Math.min(endSlot, start + CL_MAX_BLOCKS_PER_CALL - 1);
      blocks.push(...(await this.blocksOfOneCall(start, end, options)));
      start = end + 1;
    } while (start <= endSlot);
    return blocks;
  }

  private blocksOfOneCall(
    startSlot: number,
    endSlot: number,
    options?: CallOptions,
  ): Promise<SignedL2Block[]> {
    return this.call("cl_getBlocksInRange", [startSlot, endSlot], options, (blocks) => {
      const slots = blocks.map((b) => b.header.slot);
      const consecutive = slots.every((slot, i) => slot === startSlot + i);
      return consecutive && slots.length === endSlot - startSlot + 1
        ? undefined
        : `asked for slots ${startSlot}..${endSlot}, got [${slots.join(", ")}]`;
    });
  }

  getChainstate(slot: number, options?: CallOptions): Promise<Chainstate> {
    return this.call("cl_getChainstate", [slot], options, (chainstate) =>
      chainstate.slot === slot
        ? undefined
        : `asked for the chainstate at slot ${slot}, got slot ${chainstate.slot}`,
    );
  }

  /**
   * Submits a checkpoint proof (the receipt's binary encoding). A rejected proof throws a permanent
   * error with `rpcCode` `ClErrorCode.INVALID_PROOF` (see `invalidProofReason`); a checkpoint
   * already proven answers `{ outcome: "already-proven" }`.
   */
  submitCheckpointProof(
    index: number,
    receipt: Uint8Array,
    options?: CallOptions,
  ): Promise<CheckpointSubmission> {
    // Not repeated on its own: the caller asks `getCheckpointStatus` before submitting again.
    return this.call(
      "cl_submitCheckpointProof",
      [index, receipt],
      { ...options, idempotent: false },
      (answer) =>
        answer.index === index
          ? undefined
          : `submitted checkpoint ${index}, the answer is about ${answer.index}`,
    );
  }

  getCheckpointStatus(index: number, options?: CallOptions): Promise<CheckpointStatus> {
    return this.call("cl_getCheckpointStatus", [index], options, (status) =>
      status.index === index ? undefined : `asked about checkpoint ${index}, got ${status.index}`,
    );
  }

  /** `mismatch` returns why a well-formed result still does not answer the call, if it does not. */
  private call<M extends ClMethodName>(
    method: M,
    params: ClParams<M>,
    options: CallOptions = {},
    mismatch?: (result: ClResult<M>) => string | undefined,
  ): Promise<ClResult<M>> {
    const encoded = clParamsSchema(method).safeEncode(params);
    if (!encoded.success) {
      return Promise.reject(
        new InvalidParamsError(`${method}: ${describeIssues(encoded.error.issues, "params")}`),
      );
    }
    const schema = clResultSchema(method);
    return this.rpc.call(method, encoded.data as unknown[], {
      timeoutMs: options.timeoutMs ?? this.timeouts[method],
      signal: options.signal,
      idempotent: options.idempotent,
      result: (value) => {
        const result = schema.parse(value);
        const problem = mismatch?.(result);
        if (problem !== undefined) throw new Error(problem);
        return result;
      },
    });
  }
}
