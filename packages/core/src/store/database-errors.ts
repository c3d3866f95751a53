import { DatabaseRefusedError, errorMessage, PaasError, TransientError } from "../errors.js";

/**
 * What a database error means for the write that met it: run it again (a lock conflict, a lost
 * session), wait for space (a full database), or fail it. One place for the codes of both engines.
 */

/**
 * A session lost under a statement, or none to be had now, as pg reports it: the server's FATAL
 * codes (class 08, admin_shutdown, crash_shutdown, cannot_connect_now,
 * idle_in_transaction_session_timeout, too_many_connections: every slot of `max_connections` taken,
 * which frees up as other sessions end), the socket's errors, or pg's own words for a connection
 * that ended or broke earlier, or that could not be opened in time. A host name that stops
 * resolving, or a route that goes away, is an outage too (DNS down, a Kubernetes service being
 * rescheduled): the start connected to the same name, so it is no typo.
 */
export function isConnectionLoss(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof code === "string") {
    // 08P01 (protocol_violation) is also what a statement the server refused gets, the session
    // intact (bind parameters that do not match, more than 65535 of them): only a FATAL one ends it.
    if (code === "08P01") return severity === "FATAL";
    if (code.startsWith("08") || CONNECTION_LOST_CODES.has(code)) return true;
  }
  const message = error instanceof Error ? error.message : "";
  // "timeout expired": pg gave up opening a connection (CONNECT_TIMEOUT_MS) to a server that took it
  // and never answered (a host that hangs, a proxy whose server fails over). Nothing was sent.
  return /^Connection terminated unexpectedly|has encountered a connection error|^timeout expired$/.test(
    message,
  );
}

const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  "57P01",
  "57P02",
  "57P03",
  "25P03",
  "53300",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * The server refuses this instance's credentials (28P01 invalid_password, 28000
 * invalid_authorization_specification): a password rotated under a running instance, a role
 * dropped, a pg_hba.conf line changed. The start connected with the same URL, so a person changed
 * something; no loop can do anything about it but try again.
 */
export function isCredentialRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "28P01" || code === "28000";
}

/**
 * The database cannot grow: SQLite's SQLITE_FULL (the disk, or a size limit, is full), its
 * SQLITE_IOERR_SHMSIZE (the WAL's shared-memory file next to it could not be enlarged: met as a
 * start's "disk I/O error" on a full ext4 disk, where the database file itself was never written)
 * or PostgreSQL's disk_full. Nothing is wrong with the write; it can go through once there is space.
 */
export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_FULL" || code === "SQLITE_IOERR_SHMSIZE" || code === "53100";
}

/**
 * SQLite's SQLITE_BUSY (and its extended codes): another process holds the file's write lock (an
 * operator's sqlite3 shell) past the busy timeout, which this thread waited out. No write is at
 * fault; once that process lets go they go through.
 */
export function isFileLocked(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * PostgreSQL's lock_not_available: a write waited on a row another session holds (an operator's,
 * a long report) for longer than the role's `lock_timeout`. Run again at once it would wait as
 * long again; once that session lets go it goes through.
 */
export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "55P03";
}

/**
 * PostgreSQL's query_canceled: the role's (or database's) `statement_timeout` cut a statement, most
 * often one waiting on a row another session holds, or an operator cancelled it
 * (`pg_cancel_backend`). The session is intact; once the row is free the write goes through.
 */
export function isStatementCancelled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "57014";
}

/**
 * PostgreSQL's read_only_sql_transaction: the server takes no writes now. After a failover the
 * address may lead for a while to a standby, or to the old primary as one, whose sessions open and
 * read; once it leads to the primary again, writes go through.
 */
export function isReadOnly(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "25006";
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply run again. */
export function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
}

/**
 * Why a write the database refused can be done later unchanged (a step's result, an operator's
 * change to a task), in words an operator can act on, or undefined if it cannot.
 */
export function whyWriteLater(error: unknown): string | undefined {
  if (isStorageFull(error)) return "the database is full (free space for the task database)";
  if (isConnectionLoss(error)) return "the database cannot be reached";
  if (isLockTimeout(error))
    return "another session holds this task's row longer than the role's lock_timeout";
  // The group commit fails every job of a batch at once on it (see WriteBatcher): unrecognised here,
  // a proof computed meanwhile was thrown away and proven again.
  if (isFileLocked(error))
    return "another process holds the SQLite file's write lock (a sqlite3 shell's transaction, a backup)";
  if (isStatementCancelled(error)) {
    return "the database cancelled the write (the role's statement_timeout, most often while another session holds this task's row, or an operator)";
  }
  if (isReadOnly(error)) {
    return "the database takes no writes (a standby: after a failover the address may lead to one for a while)";
  }
  return undefined;
}

/**
 * Why the database refuses a call for now (an operator's read such as `paas status` or the report,
 * a submission, a cancel), in words an operator can act on, or undefined if it did not. Left as
 * they were, a server stopped or restarting (connections refused at once) answered "internal error";
 * so did a change the database will take later (see `whyWriteLater`: a row another session holds
 * past lock_timeout, a standby, a full disk), which a bulk cancel or retry already said as such.
 */
export function whyRefusedForNow(error: unknown): string | undefined {
  if (isConnectionLoss(error)) return "the task database cannot be reached";
  if (isCredentialRefusal(error))
    return "the task database refuses this instance's credentials (database.url)";
  if (isStatementCancelled(error)) {
    return "the task database cancelled a statement (the role's statement_timeout, or an operator)";
  }
  return whyWriteLater(error);
}

/**
 * Settles as `work` (a call on the task database) does, but one the database refuses for now (see
 * `whyRefusedForNow`) fails as a `DatabaseRefusedError` saying why: an operator's call is answered
 * as transient, not "internal error", and a step that met it is run again with its retries kept.
 */
export async function refusedForNow<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const why = whyRefusedForNow(error);
    if (why === undefined) throw error;
    throw new DatabaseRefusedError(`${why} (${errorMessage(error)}); try again`, {
      cause: error,
      unreachable: isConnectionLoss(error),
    });
  }
}

/**
 * The error an operator's action answers with when it stopped part-way (a bulk retry or cancel, a
 * prune, whose changes so far stay made): `say(why)`. A typed error keeps its code; the database's
 * refusal is a transient failure, said in words (see `whyWriteLater`) or by its code. Anything
 * else is a fault, thrown as it is: answered "internal error", and logged with its stack.
 */
export function stoppedPartWay(error: unknown, say: (why: string) => string): unknown {
  if (error instanceof PaasError) return new PaasError(error.code, say(error.message), { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    whyWriteLater(error) ??
    (typeof code === "string" ? `the database refused the change (${code})` : undefined);
  return why === undefined ? error : new TransientError(say(why), { cause: error });
}
