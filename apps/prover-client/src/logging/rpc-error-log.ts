import { errorMessage, isConnectionLoss } from "@paas/core";
import { type ErrorListener, RpcErrorCode } from "@paas/jsonrpc";
import type { Logger } from "pino";

/**
 * Answers that mean the caller got something wrong: the server did its job by refusing. Logged at
 * debug without a stack, so a client's typo or a scanner does not look like a server failure.
 */
const CALLER_MISTAKES: ReadonlySet<number> = new Set([
  RpcErrorCode.PARSE_ERROR,
  RpcErrorCode.INVALID_REQUEST,
  RpcErrorCode.METHOD_NOT_FOUND,
  RpcErrorCode.INVALID_PARAMS,
  RpcErrorCode.UNAUTHORIZED,
  RpcErrorCode.NOT_FOUND,
  RpcErrorCode.TASK_NOT_FOUND,
  RpcErrorCode.PROOF_NOT_FOUND,
  RpcErrorCode.UNKNOWN_KIND,
  RpcErrorCode.UNKNOWN_BACKEND,
  RpcErrorCode.INVALID_CONTEXT,
  RpcErrorCode.NOT_CANCELLABLE,
]);

/**
 * Failures of something the server depends on (a node down, shutting down; the task database out
 * of reach, see `isConnectionLoss`): worth a warning, not a stack.
 */
const DEPENDENCY_FAILURES: ReadonlySet<number> = new Set([
  RpcErrorCode.TRANSIENT_FAILURE,
  RpcErrorCode.SERVICE_CLOSED,
  RpcErrorCode.WAIT_TIMEOUT,
]);

/**
 * How the JSON-RPC server's errors are logged: the caller's mistakes at debug, failures of what the
 * server depends on at warn, and only the unexpected (answered "internal error") at error with
 * its stack. Repeats are limited by the logger itself.
 */
export function logRpcErrors(logger: Logger): ErrorListener {
  return (error, info) => {
    const fields = { method: info.method, code: info.sent.code };
    if (CALLER_MISTAKES.has(info.sent.code)) {
      logger.debug({ ...fields, reason: info.sent.message }, "RPC call refused");
    } else if (DEPENDENCY_FAILURES.has(info.sent.code) || isConnectionLoss(error)) {
      // A task database out of reach answers "internal error" to the caller, but is an outage, not a fault.
      logger.warn({ ...fields, error: errorMessage(error) }, "RPC call failed");
    } else {
      logger.error({ ...fields, err: error }, "RPC method failed");
    }
  };
}
