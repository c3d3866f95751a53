import { bytesEqual, toHex } from "@paas/core/contracts";
import { type AnswerBudget, type CallOptions, JsonRpcClient, type Validator } from "@paas/jsonrpc";
import type { RollupClientOptions } from "./client-options.js";
import { rawBlockOffThread, witnessOffThread } from "./el-thread/el-thread.js";
import { DEFAULT_EL_THREAD_HEAP_MB } from "./el-thread/protocol.js";
import {
  type BlockRef,
  type BlockTag,
  type ElBlock,
  ElBlockJson,
  type ExecutionWitness,
  ExecutionWitnessJson,
  quantityJson,
  RawBytesJson,
} from "./el-types.js";

export type ElMethodName =
  | "eth_chainId"
  | "eth_blockNumber"
  | "eth_getBlockByNumber"
  | "eth_getBlockByHash"
  | "debug_executionWitness"
  | "debug_getRawBlock";

export interface ElClientOptions extends RollupClientOptions<ElMethodName> {
  /**
   * Whether execution witnesses and raw blocks are read and decoded on the EL thread (see
   * el-thread/) instead of this one. Default true: they are the biggest answers a prover reads.
   */
  readonly offThread?: boolean;
  /**
   * The EL thread's heap limit, in MiB (its `Worker`'s `maxOldGenerationSizeMb`), so that a thread
   * that runs out of memory dies alone, failing the calls it held, instead of taking the process
   * with it. Default 2048. The process's clients share one thread: it takes the limit of the client
   * whose call starts it. Node applies `--max-old-space-size` (e.g. in NODE_OPTIONS) to every
   * thread, over this limit.
   */
  readonly threadHeapMb?: number;
  /**
   * Larger answers are refused (permanent, "malformed") as soon as they pass it, rather than read.
   * Default: for the EL thread's calls, an eighth of its heap limit (see el-thread/thread.ts); for
   * the others, @paas/jsonrpc's (256 MiB).
   */
  readonly maxResponseBytes?: number;
  /** The EL thread's, shared by the clients it makes (see el-thread/thread.ts); not for other callers. */
  readonly answerBudget?: AnswerBudget;
}

/** The code Ethereum nodes and providers answer a request over their rate or size limits with. */
const EIP1474_LIMIT_EXCEEDED = -32005;

/**
 * Typed client of the standard Ethereum JSON-RPC methods the provers read, as reth and geth serve
 * them. Failures are classified as `JsonRpcClient` does; an answer about another block than the
 * one asked for is a permanent "malformed" failure.
 */
export class ElClient {
  private readonly rpc: JsonRpcClient;
  private readonly timeouts: Partial<Record<ElMethodName, number>>;
  /** What the EL thread needs to make the same calls, when they are made there. */
  private readonly threaded: ElClientOptions | undefined;

  constructor(options: ElClientOptions) {
    this.rpc = new JsonRpcClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      bearerToken: options.bearerToken,
      retry: options.retry,
      // EIP-1474's "limit exceeded": a provider rate-limiting us, waited out like any overload.
      transientCodes: [EIP1474_LIMIT_EXCEEDED],
      maxResponseBytes: options.maxResponseBytes,
      answerBudget: options.answerBudget,
    });
    this.timeouts = options.methodTimeoutsMs ?? {};
    const { offThread = true, threadHeapMb = DEFAULT_EL_THREAD_HEAP_MB, answerBudget, ...client } = options;
    this.threaded = offThread ? { ...client, url: String(client.url), threadHeapMb } : undefined;
  }

  /** The chain the node serves (EIP-695). */
  chainId(options?: CallOptions): Promise<number> {
    return this.call("eth_chainId", [], quantityJson, options);
  }

  blockNumber(options?: CallOptions): Promise<number> {
    return this.call("eth_blockNumber", [], quantityJson, options);
  }

  /** null when the node has no such block (yet). */
  getBlockByNumber(
    block: number | BlockTag,
    fullTransactions = false,
    options?: CallOptions,
  ): Promise<ElBlock | null> {
    return this.call(
      "eth_getBlockByNumber",
      [blockRefParam(block), fullTransactions],
      nullableBlock((found) =>
        typeof block !== "number" || found.number === block
          ? undefined
          : `asked for block ${block}, got ${found.number}`,
      ),
      options,
    );
  }

  /** null when the node has no such block. */
  getBlockByHash(hash: Uint8Array, fullTransactions = false, options?: CallOptions): Promise<ElBlock | null> {
    return this.call(
      "eth_getBlockByHash",
      [toHex(hash), fullTransactions],
      nullableBlock((found) =>
        bytesEqual(found.hash, hash) ? undefined : `asked for block ${toHex(hash)}, got ${toHex(found.hash)}`,
      ),
      options,
    );
  }

  /** The witness to execute `block` statelessly: the trie nodes, codes and ancestor headers it reads. */
  getExecutionWitness(block: BlockRef, options: CallOptions = {}): Promise<ExecutionWitness> {
    if (this.threaded) return witnessOffThread(this.threaded, block, options);
    return this.call("debug_executionWitness", [blockRefParam(block)], ExecutionWitnessJson, options);
  }

  /** The block's RLP encoding, as the node stores it; empty when the node says it has none (`0x` or `null`). */
  getRawBlock(block: BlockRef, options: CallOptions = {}): Promise<Uint8Array> {
    if (this.threaded) return rawBlockOffThread(this.threaded, block, options);
    return this.call("debug_getRawBlock", [blockRefParam(block)], RawBytesJson, options);
  }

  private call<T>(
    method: ElMethodName,
    params: unknown[],
    result: Validator<T>,
    options: CallOptions = {},
  ): Promise<T> {
    return this.rpc.call(method, params, {
      result,
      timeoutMs: options.timeoutMs ?? this.timeouts[method],
      signal: options.signal,
    });
  }
}

function blockRefParam(block: BlockRef): string {
  if (typeof block === "number") return quantityJson.encode(block);
  if (block instanceof Uint8Array) return toHex(block);
  return block;
}

/** A block or null, where a block that is not the one asked for is a malformed answer. */
function nullableBlock(mismatch: (block: ElBlock) => string | undefined): Validator<ElBlock | null> {
  return (value) => {
    // Parsed apart from null (not as a union) so a bad field is reported by name.
    if (value === null) return null;
    const block = ElBlockJson.parse(value);
    const problem = mismatch(block);
    if (problem !== undefined) throw new Error(problem);
    return block;
  };
}
