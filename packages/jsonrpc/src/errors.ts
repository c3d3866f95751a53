import { PermanentError, TransientError } from "@paas/core/contracts";
import type { JsonRpcErrorObject } from "./protocol.js";

/**
 * Thrown by a method handler to answer with a chosen JSON-RPC error, e.g. an application code with
 * data the client branches on. The message and data are sent as given, so they must be safe to show.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "JsonRpcError";
  }

  toErrorObject(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.rpcCode, message: this.message }
      : { code: this.rpcCode, message: this.message, data: this.data };
  }
}

/** Why a client call failed. */
export type CallFailure =
  /** No connection: refused, DNS failure, reset. */
  | "unreachable"
  | "timeout"
  /** The caller's own signal aborted the call. */
  | "aborted"
  /** A non-2xx HTTP status without a JSON-RPC error in the body. */
  | "http-status"
  /** The server answered with a JSON-RPC error object. */
  | "rpc-error"
  /** The answer was not JSON, not JSON-RPC, had the wrong id, or failed result validation. */
  | "malformed"
  /** The request could not be encoded (e.g. a bigint in the params); nothing was sent. */
  | "invalid-request";

export interface CallErrorDetails {
  readonly method: string;
  readonly failure: CallFailure;
  readonly rpcCode?: number;
  readonly rpcData?: unknown;
  readonly httpStatus?: number;
  /** What the node's `Retry-After` asked for, on a 408, 429 or 5xx. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** A failed call that a retry may fix (unreachable, timeout, HTTP 5xx/429, server-side errors). */
export class JsonRpcTransientError extends TransientError {
  readonly method: string;
  readonly failure: CallFailure;
  readonly rpcCode?: number;
  readonly rpcData?: unknown;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, details: CallErrorDetails) {
    super(message, { cause: details.cause });
    ({ method: this.method, failure: this.failure, rpcCode: this.rpcCode, rpcData: this.rpcData } = details);
    ({ httpStatus: this.httpStatus, retryAfterMs: this.retryAfterMs } = details);
  }
}

/** A failed call that retrying cannot fix (not found, bad params, malformed answers). */
export class JsonRpcPermanentError extends PermanentError {
  readonly method: string;
  readonly failure: CallFailure;
  readonly rpcCode?: number;
  readonly rpcData?: unknown;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, details: CallErrorDetails) {
    super(message, { cause: details.cause });
    ({ method: this.method, failure: this.failure, rpcCode: this.rpcCode, rpcData: this.rpcData } = details);
    ({ httpStatus: this.httpStatus, retryAfterMs: this.retryAfterMs } = details);
  }
}

/**
 * Every error `JsonRpcClient` throws. Two classes because core classifies by class: a caller can
 * let the scheduler retry it as is, or branch on `rpcCode` (e.g. an application "already proven").
 */
export type JsonRpcCallError = JsonRpcTransientError | JsonRpcPermanentError;

export function isJsonRpcCallError(error: unknown): error is JsonRpcCallError {
  return error instanceof JsonRpcTransientError || error instanceof JsonRpcPermanentError;
}

export function callError(permanent: boolean, message: string, details: CallErrorDetails): JsonRpcCallError {
  const text = `${details.method}: ${message}`;
  return permanent ? new JsonRpcPermanentError(text, details) : new JsonRpcTransientError(text, details);
}
