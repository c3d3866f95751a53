import {
  DatabaseRefusedError,
  errorMessage,
  isConnectionLoss,
  isCredentialRefusal,
  isStorageFull,
} from "@paas/core";
import type { Logger } from "pino";

/** What `logServiceErrors` returns: the failures' log, told too when the database answers. */
export interface ServiceErrorLog {
  (error: unknown, where: string): void;
  /**
   * This instance's heartbeat committed. After an outage (the database out of reach, refusing
   * the credentials, or full) the first one is an info line, `the task database answers again`, with how
   * long it lasted (`outageMs`, to within a heartbeat, a third of a lease): the warnings stop
   * without it, and a quiet log could be a silent instance as well as a healthy one.
   */
  answered(): void;
}

/**
 * How the prover service's background failures (its ticks, heartbeats, lease renewals) are logged.
 * A task database out of reach (PostgreSQL restarting, failing over, every slot taken) is a
 * dependency down, which every loop meets at once: one warning with the driver's words, whichever
 * loop met it, so the logger's repeat limit keeps it to a line per window; `/ready` and
 * `paas_task_database_up` say it too. A stack of the driver's internals at error, per loop, told an
 * operator nothing more. Credentials the database no longer takes (a password rotated under the
 * instance) need a person: at error, but as one line in the same way, not a stack per loop. A full
 * database (SQLite's SQLITE_FULL, PostgreSQL's disk_full) needs space, and every loop meets it too:
 * one warning in the same way (it was a stack of the driver's internals every 30 s, which named the
 * disk only in its code), and the same line when its writes go through again. Anything
 * else is unexpected: at error, with its stack. The loop is always the `where` field, never the
 * message: as the message, a step's (`prove of task …`) was another line per task to the repeat
 * limit, so a failure every task met (a revoked grant) wrote a stack per task.
 */
export function logServiceErrors(logger: Logger, now: () => number = Date.now): ServiceErrorLog {
  let outageSince: number | undefined;
  const log = (failure: unknown, where: string) => {
    // A read of the service's (the dashboard's overview) the database refused: its cause is the driver's error.
    const error = failure instanceof DatabaseRefusedError ? failure.cause : failure;
    const { code } = (error ?? {}) as { code?: unknown };
    const fields = { where, error: errorMessage(error), ...(typeof code === "string" && { code }) };
    if (isConnectionLoss(error)) {
      outageSince ??= now();
      logger.warn(fields, "the task database cannot be reached; retrying");
    } else if (isCredentialRefusal(error)) {
      outageSince ??= now();
      logger.error(
        fields,
        "the task database refuses this instance's credentials (database.url): set the role's current password; retrying",
      );
    } else if (isStorageFull(error)) {
      outageSince ??= now();
      logger.warn(fields, "the task database is full (free space on its disk); retrying");
    } else {
      logger.error({ where, err: failure }, "unexpected error in the prover service");
    }
  };
  return Object.assign(log, {
    answered() {
      if (outageSince === undefined) return;
      const since = outageSince;
      outageSince = undefined;
      logger.info(
        { outageMs: now() - since, since: new Date(since).toISOString() },
        "the task database answers again",
      );
    },
  });
}
