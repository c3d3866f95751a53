import { errorMessage, isConnectionLoss } from "@paas/core";
import type { Logger } from "pino";

/**
 * How the prover service's background failures (its ticks, heartbeats, lease renewals) are logged.
 * A task database out of reach (PostgreSQL restarting, failing over, every slot taken) is a
 * dependency down, which every loop meets at once: one warning with the driver's words, whichever
 * loop met it, so the logger's repeat limit keeps it to a line per window; `/ready` and
 * `paas_task_database_up` say it too. A stack of the driver's internals at error, per loop, told an
 * operator nothing more. Anything else is unexpected: at error, with its stack.
 */
export function logServiceErrors(logger: Logger): (error: unknown, where: string) => void {
  return (error, where) => {
    if (isConnectionLoss(error)) {
      const { code } = error as { code?: unknown };
      logger.warn(
        { where, error: errorMessage(error), ...(typeof code === "string" && { code }) },
        "the task database cannot be reached; retrying",
      );
    } else {
      logger.error({ err: error }, where);
    }
  };
}
