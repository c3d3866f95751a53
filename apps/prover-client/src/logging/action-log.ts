import type { MethodContext } from "@paas/jsonrpc";
import type { Logger } from "pino";

/** Logs one state-changing call that succeeded, with what it targeted and what it did. */
export type ActionLog = (call: MethodContext, fields: Readonly<Record<string, unknown>>) => void;

/**
 * How the state-changing RPC methods (those that need the bearer token) are logged: one info line
 * per call, `RPC action`, with the method, what it targeted (a task, a filter, a prune's options),
 * what it changed (counts; a bulk action is one line, not one per task) and where the call came
 * from (`remoteAddress`; the token never). Before, a cancel, a retry or a prune left no line an
 * operator or an auditor could find afterwards. A call that fails is logged as an RPC error is
 * (see `logRpcErrors`), not here.
 */
export function logActions(logger: Logger): ActionLog {
  return (call, fields) => {
    logger.info(
      {
        method: call.method,
        ...fields,
        ...(call.remoteAddress !== undefined && { remoteAddress: call.remoteAddress }),
      },
      "RPC action",
    );
  };
}
