import { type CallFailure, callError, type JsonRpcCallError } from "../errors.js";

export interface CallSignals {
  readonly timeout: AbortSignal;
  readonly timeoutMs: number;
  readonly caller?: AbortSignal;
}

/**
 * Classifies a failure of the HTTP exchange itself (fetch rejected, or the body stream broke):
 * our timeout, the caller's abort, or an unreachable node. All are transient, since the node may
 * come back; only the caller's abort is reported as such so it is not mistaken for an outage.
 */
export function transportFailure(
  method: string,
  endpoint: string,
  error: unknown,
  signals: CallSignals,
): JsonRpcCallError {
  if (signals.caller?.aborted) {
    return callError(false, "aborted by the caller", {
      method,
      failure: "aborted",
      cause: signals.caller.reason,
    });
  }
  if (signals.timeout.aborted) {
    return callError(false, `no answer from ${endpoint} within ${signals.timeoutMs} ms`, {
      method,
      failure: "timeout",
      cause: error,
    });
  }
  const failure: CallFailure = "unreachable";
  return callError(false, `${endpoint} unreachable (${networkReason(error)})`, {
    method,
    failure,
    cause: error,
  });
}

/** The most specific reason undici gives: a system error code (ECONNREFUSED, ENOTFOUND, ...) or a message. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.length > 0) return code;
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
