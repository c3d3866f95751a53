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
  // A retry of a task that has not failed (`paas_retryTask` on a completed one): its status refuses it.
  RpcErrorCode.INVALID_TRANSITION,
]);

/**
 * How the JSON-RPC server's errors are logged: the caller's mistakes at debug; a failure the server
 * names with a code of its own at warn, without a stack (a node down, shutting down, the CL
 * refusing a proof `paas_proveCheckpoint` published again, a checkpoint the CL does not have yet:
 * the answer says what went wrong, as the code meant it to); the task database out of reach (see
 * `isConnectionLoss`) too; and only the unexpected, answered "internal error", at error with its
 * stack. A typed failure at error with a stack looked like a bug to an operator. Repeats are
 * limited by the logger itself.
 */
export function logRpcErrors(logger: Logger): ErrorListener {
  return (error, info) => {
    const fields = { method: info.method, code: info.sent.code };
    if (CALLER_MISTAKES.has(info.sent.code)) {
      logger.debug({ ...fields, reason: info.sent.message }, "RPC call refused");
    } else if (info.sent.code !== RpcErrorCode.INTERNAL_ERROR || isConnectionLoss(error)) {
      // A task database out of reach that a method meets outside the service's calls (which answer it
      // as a transient failure) answers "internal error", but is an outage, not a fault.
      logger.warn({ ...fields, error: errorMessage(error) }, "RPC call failed");
    } else {
      logger.error({ ...fields, err: error }, "RPC method failed");
    }
  };
}
