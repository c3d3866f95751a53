import {
  type CallFailure,
  type JsonRpcCallError,
  JsonRpcPermanentError,
  JsonRpcTransientError,
} from "@paas/jsonrpc";
import type { ElClientOptions } from "../el-client.js";
import type { BlockRef, ExecutionWitness } from "../el-types.js";

/** See `ElClientOptions.threadHeapMb`. */
export const DEFAULT_EL_THREAD_HEAP_MB = 2_048;

/** The calls whose answers are big enough to read and decode on the EL thread. */
export type ThreadedCall =
  | { readonly method: "getExecutionWitness"; readonly block: BlockRef }
  | { readonly method: "getRawBlock"; readonly block: BlockRef };

export type ThreadRequest =
  | {
      readonly id: number;
      readonly client: ElClientOptions;
      readonly call: ThreadedCall;
      readonly timeoutMs?: number;
    }
  | { readonly cancel: number };

/** Byte strings packed into one buffer: item `i` is `bytes[ends[i-1] ?? 0 .. ends[i]]`. */
export interface PackedList {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

export type ThreadAnswer =
  | { readonly method: "getRawBlock"; readonly bytes: Uint8Array }
  | {
      readonly method: "getExecutionWitness";
      readonly state: PackedList;
      readonly codes: PackedList;
      readonly keys: PackedList;
      readonly headers: PackedList;
    };

export type ThreadResponse =
  | { readonly id: number; readonly ok: true; readonly answer: ThreadAnswer }
  | { readonly id: number; readonly ok: false; readonly error: SerializedCallError }
  /** Anything else thrown: a bug, reported by its message. */
  | { readonly id: number; readonly ok: false; readonly unexpected: string };

export interface SerializedCallError {
  readonly permanent: boolean;
  readonly message: string;
  readonly method: string;
  readonly failure: CallFailure;
  readonly rpcCode?: number;
  readonly rpcData?: unknown;
  readonly httpStatus?: number;
  /** The node's `Retry-After`, as the error thrown on the EL thread carried it. */
  readonly retryAfterMs?: number;
}

export function pack(items: readonly Uint8Array[]): PackedList {
  const ends = new Uint32Array(items.length);
  let length = 0;
  for (const [i, item] of items.entries()) {
    length += item.length;
    ends[i] = length;
  }
  const bytes = new Uint8Array(length);
  for (const [i, item] of items.entries()) bytes.set(item, i === 0 ? 0 : ends[i - 1]);
  return { bytes, ends };
}

/** Views into the one buffer, no copies. */
export function unpack({ bytes, ends }: PackedList): Uint8Array[] {
  const items: Uint8Array[] = new Array(ends.length);
  for (let i = 0; i < ends.length; i++) items[i] = bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
  return items;
}

export function packWitness(witness: ExecutionWitness): ThreadAnswer {
  return {
    method: "getExecutionWitness",
    state: pack(witness.state),
    codes: pack(witness.codes),
    keys: pack(witness.keys),
    headers: pack(witness.headers),
  };
}

/** The buffers an answer may hand over instead of copying. */
export function transferables(answer: ThreadAnswer): ArrayBuffer[] {
  const lists =
    answer.method === "getRawBlock"
      ? [answer.bytes]
      : [answer.state, answer.codes, answer.keys, answer.headers].flatMap((l) => [l.bytes, l.ends]);
  return lists.map((view) => view.buffer as ArrayBuffer);
}

export function serializeCallError(error: JsonRpcCallError): SerializedCallError {
  return {
    permanent: error instanceof JsonRpcPermanentError,
    message: error.message,
    method: error.method,
    failure: error.failure,
    ...(error.rpcCode !== undefined && { rpcCode: error.rpcCode }),
    ...(error.rpcData !== undefined && { rpcData: error.rpcData }),
    ...(error.httpStatus !== undefined && { httpStatus: error.httpStatus }),
    ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
  };
}

/** The same class, message and fields the call would have thrown on this thread. */
export function deserializeCallError(error: SerializedCallError): JsonRpcCallError {
  const { permanent, message, ...details } = error;
  return permanent
    ? new JsonRpcPermanentError(message, details)
    : new JsonRpcTransientError(message, details);
}
