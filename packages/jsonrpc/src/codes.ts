import type { PaasErrorCode } from "@paas/core/contracts";

/**
 * JSON-RPC error codes. -32768..-32000 is reserved by the spec; -32099..-32000 is for
 * implementation-defined server errors, which is where this repository's application codes live:
 * -32000..-32029 here (generic and core's `PaasError` codes), -32040..-32059 for the rollup's CL.
 */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,

  /** A failure worth retrying (core `TRANSIENT_FAILURE`). */
  TRANSIENT_FAILURE: -32000,
  /** The method changes state and the request carried no valid bearer token (HTTP 401 equivalent). */
  UNAUTHORIZED: -32001,
  /** The service is shutting down (core `SERVICE_CLOSED`); another attempt may reach a new instance. */
  SERVICE_CLOSED: -32002,
  /** Waiting for a task outlasted its deadline (core `WAIT_TIMEOUT`); the task itself goes on. */
  WAIT_TIMEOUT: -32003,
  /** Generic "the thing asked for does not exist", for applications without a more specific code. */
  NOT_FOUND: -32004,
  /** A failure retrying cannot fix (core `PERMANENT_FAILURE`). */
  PERMANENT_FAILURE: -32005,
  /** A batch's answers passed the server's cap: this call was not run; send it again on its own. */
  RESPONSE_TOO_LARGE: -32006,
  TASK_NOT_FOUND: -32010,
  PROOF_NOT_FOUND: -32011,
  UNKNOWN_KIND: -32012,
  UNKNOWN_BACKEND: -32013,
  INVALID_CONTEXT: -32014,
  DUPLICATE_KIND: -32015,
  INVALID_TRANSITION: -32016,
  INVALID_CONFIG: -32017,
  NOT_CANCELLABLE: -32018,
  PROOF_CONFLICT: -32019,
  /** What the context names does not exist on the chain yet (core `NOT_YET_AVAILABLE`): ask later. */
  NOT_YET_AVAILABLE: -32020,
  DATABASE_UNUSABLE: -32021,
  DATABASE_IN_USE: -32022,
  LEASE_LOST: -32023,
  TASK_CANCELLED: -32024,
} as const;

/**
 * How the server answers a thrown `PaasError`. Exhaustive on purpose: a new code in core fails the
 * typecheck here until it gets its own JSON-RPC code, so clients can always branch on it.
 */
export const PAAS_ERROR_RPC_CODES: { readonly [C in PaasErrorCode]: number } = {
  TASK_NOT_FOUND: RpcErrorCode.TASK_NOT_FOUND,
  PROOF_NOT_FOUND: RpcErrorCode.PROOF_NOT_FOUND,
  UNKNOWN_KIND: RpcErrorCode.UNKNOWN_KIND,
  UNKNOWN_BACKEND: RpcErrorCode.UNKNOWN_BACKEND,
  DUPLICATE_KIND: RpcErrorCode.DUPLICATE_KIND,
  INVALID_CONTEXT: RpcErrorCode.INVALID_CONTEXT,
  INVALID_PARAMS: RpcErrorCode.INVALID_PARAMS,
  INVALID_TRANSITION: RpcErrorCode.INVALID_TRANSITION,
  INVALID_CONFIG: RpcErrorCode.INVALID_CONFIG,
  NOT_CANCELLABLE: RpcErrorCode.NOT_CANCELLABLE,
  SERVICE_CLOSED: RpcErrorCode.SERVICE_CLOSED,
  TRANSIENT_FAILURE: RpcErrorCode.TRANSIENT_FAILURE,
  PERMANENT_FAILURE: RpcErrorCode.PERMANENT_FAILURE,
  PROOF_CONFLICT: RpcErrorCode.PROOF_CONFLICT,
  WAIT_TIMEOUT: RpcErrorCode.WAIT_TIMEOUT,
  NOT_YET_AVAILABLE: RpcErrorCode.NOT_YET_AVAILABLE,
  DATABASE_UNUSABLE: RpcErrorCode.DATABASE_UNUSABLE,
  DATABASE_IN_USE: RpcErrorCode.DATABASE_IN_USE,
  LEASE_LOST: RpcErrorCode.LEASE_LOST,
  TASK_CANCELLED: RpcErrorCode.TASK_CANCELLED,
};

/**
 * Error codes a client treats as permanent: the request itself was wrong, or the thing does not
 * exist, so asking again cannot help. Every other JSON-RPC error (internal errors, transient
 * failures, codes this table does not know) counts as transient.
 */
export const PERMANENT_RPC_CODES: ReadonlySet<number> = new Set([
  RpcErrorCode.PARSE_ERROR,
  RpcErrorCode.INVALID_REQUEST,
  RpcErrorCode.METHOD_NOT_FOUND,
  RpcErrorCode.INVALID_PARAMS,
  RpcErrorCode.UNAUTHORIZED,
  RpcErrorCode.NOT_FOUND,
  RpcErrorCode.PERMANENT_FAILURE,
  RpcErrorCode.RESPONSE_TOO_LARGE,
  RpcErrorCode.TASK_NOT_FOUND,
  RpcErrorCode.PROOF_NOT_FOUND,
  RpcErrorCode.UNKNOWN_KIND,
  RpcErrorCode.UNKNOWN_BACKEND,
  RpcErrorCode.INVALID_CONTEXT,
  RpcErrorCode.DUPLICATE_KIND,
  RpcErrorCode.INVALID_TRANSITION,
  RpcErrorCode.INVALID_CONFIG,
  RpcErrorCode.NOT_CANCELLABLE,
  RpcErrorCode.PROOF_CONFLICT,
  RpcErrorCode.DATABASE_UNUSABLE,
  RpcErrorCode.TASK_CANCELLED,
]);
