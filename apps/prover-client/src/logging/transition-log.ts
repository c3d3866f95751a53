import type { TaskTransition } from "@paas/core";
import type { Logger } from "pino";
import { RepeatLimiter } from "./repeat-limiter.js";

export interface TransitionLogOptions {
  /** A kind's retries failing alike are written at most once per this many milliseconds (default 30 s). */
  readonly repeatWindowMs?: number;
  readonly now?: () => number;
}

/**
 * How task transitions are logged: a permanent failure at warn (a person must act on it), a retry at
 * info, the rest at debug. A wait for the chain (`waiting`: a checkpoint or block not produced yet)
 * is no failure, and is re-checked every few seconds in new words each time (the CL's latest
 * changes), which no repeat limit holds: at info it was a line per waiting task every few seconds,
 * so it is debug. A node that is down fails every task of a kind alike at each of its retries: one
 * line per task per retry was hundreds a minute saying the same thing, so a kind's retries with
 * the same error are written once per window, the next line carrying `suppressed`; each task's own
 * error stays in its record (`paas status`).
 */
export function logTransitions(
  logger: Logger,
  options: TransitionLogOptions = {},
): (t: TaskTransition) => void {
  const retries = new RepeatLimiter({
    windowMs: options.repeatWindowMs ?? 30_000,
    ...(options.now !== undefined && { now: options.now }),
  });
  return (t) => {
    const fields = { task: t.id, kind: t.kind, from: t.from, to: t.to, retry: t.retryCount };
    if (t.to === "permanent_failure") logger.warn({ ...fields, error: t.error }, "task failed");
    else if (t.waiting) logger.debug({ ...fields, reason: t.error }, "task waits for the chain");
    else if (t.to === "transient_failure") {
      const verdict = retries.admit(`${t.kind}\u0000${t.error ?? ""}`);
      if (!verdict.log) return;
      const suppressed = verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {};
      logger.info({ ...fields, error: t.error, ...suppressed }, "task will retry");
    } else logger.debug(fields, "task transition");
  };
}
