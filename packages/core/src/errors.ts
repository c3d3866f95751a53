import type { TaskStatusName } from "./contracts/status.js";

/**
 * Typed errors with stable codes. Callers (the RPC server, the CLI, plugins) branch on `code`,
 * never on message text.
 */
export type PaasErrorCode =
  | "TASK_NOT_FOUND"
  | "PROOF_NOT_FOUND"
  | "UNKNOWN_KIND"
  | "UNKNOWN_BACKEND"
  | "DUPLICATE_KIND"
  | "INVALID_CONTEXT"
  | "INVALID_PARAMS"
  | "INVALID_TRANSITION"
  | "INVALID_CONFIG"
  | "NOT_CANCELLABLE"
  | "SERVICE_CLOSED"
  | "TRANSIENT_FAILURE"
  | "PERMANENT_FAILURE"
  | "PROOF_CONFLICT"
  | "WAIT_TIMEOUT"
  | "NOT_YET_AVAILABLE"
  | "DATABASE_UNUSABLE"
  | "DATABASE_IN_USE"
  | "LEASE_LOST"
  | "TASK_CANCELLED";

export class PaasError extends Error {
  readonly code: PaasErrorCode;

  constructor(code: PaasErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class TaskNotFoundError extends PaasError {
  constructor(readonly taskId: string) {
    super("TASK_NOT_FOUND", `task ${taskId} not found`);
  }
}

/**
 * A task without a receipt, said with its status: "no proof stored" alone left a consumer unable to
 * tell a task still on its way (wait for it) from one that failed for good or was cancelled.
 */
export class ProofNotFoundError extends PaasError {
  constructor(
    readonly taskId: string,
    readonly status: TaskStatusName,
  ) {
    super("PROOF_NOT_FOUND", proofNotFoundMessage(taskId, status));
  }
}

function proofNotFoundMessage(taskId: string, status: TaskStatusName): string {
  if (status === "permanent_failure" || status === "cancelled")
    return `task ${taskId} has no proof: it is ${status}, and will not be proven unless retried or submitted again`;
  return `task ${taskId} has no proof yet: it is ${status}, and its proof can be fetched once it is completed`;
}

export class UnknownKindError extends PaasError {
  constructor(
    readonly kind: string,
    known: readonly string[],
  ) {
    super("UNKNOWN_KIND", `no plugin registered for kind "${kind}" (registered: ${list(known)})`);
  }
}

export class UnknownBackendError extends PaasError {
  constructor(
    readonly backend: string,
    known: readonly string[],
  ) {
    super("UNKNOWN_BACKEND", `backend "${backend}" is not configured (configured: ${list(known)})`);
  }
}

export class DuplicateKindError extends PaasError {
  constructor(
    readonly kind: string,
    first: string,
    second: string,
  ) {
    super("DUPLICATE_KIND", `kind "${kind}" is claimed by both ${first} and ${second}`);
  }
}

/** A proof context that fails its plugin's validation; raised at submit time, before anything is stored. */
export class InvalidContextError extends PaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_CONTEXT", message, options);
  }
}

/** Bad parameters to a handle or RPC method. */
export class InvalidParamsError extends PaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_PARAMS", message, options);
  }
}

export class InvalidTransitionError extends PaasError {
  constructor(taskId: string, from: string, to: string) {
    super("INVALID_TRANSITION", `task ${taskId}: transition ${from} -> ${to} is not allowed`);
  }
}

export class InvalidConfigError extends PaasError {
  constructor(message: string) {
    super("INVALID_CONFIG", message);
  }
}

export class NotCancellableError extends PaasError {
  constructor(taskId: string, status: string) {
    super("NOT_CANCELLABLE", `task ${taskId} is ${status} and cannot be cancelled`);
  }
}

export class ServiceClosedError extends PaasError {
  constructor() {
    super("SERVICE_CLOSED", "the prover service is closed");
  }
}

/**
 * A failure worth retrying: the node was unreachable, timed out, or answered 5xx. The scheduler
 * retries it with exponential backoff until the retry policy gives up.
 */
export class TransientError extends PaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TRANSIENT_FAILURE", message, options);
  }
}

/**
 * The task database refuses a call for now, the service's or a step's own (out of reach, every
 * slot taken, the credentials refused, a statement cancelled, a change it takes later: a row held
 * past lock_timeout, a standby, a full disk): transient, `cause` the driver's own
 * error, which a log judges and says as it would say the driver's. `unreachable`: the server was
 * out of reach or ended the session (a restart, every slot taken), which passes by itself; a
 * cancelled statement or refused credentials may not.
 */
export class DatabaseRefusedError extends TransientError {
  readonly unreachable: boolean;
  constructor(message: string, options: { cause: unknown; unreachable: boolean }) {
    super(message, { cause: options.cause });
    this.unreachable = options.unreachable;
  }
}

/**
 * A failure that retrying cannot fix: invalid data, a failed check in a guest, a rejection by the
 * CL. The task fails at once and its dependents fail with it.
 */
export class PermanentError extends PaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PERMANENT_FAILURE", message, options);
  }
}

/**
 * A publication (`afterStore`) found that its task's stored proof no longer proves what the chain
 * holds now (the chain was reorganised since the proof's inputs were read): published, it would
 * only be rejected. Permanent, and the proof is dropped with the failure, so a resubmission proves
 * the task again instead of publishing the same proof again. Thrown anywhere else, a plain
 * permanent failure. A proof found outdated after its task completed (a plugin publishing it again)
 * is handed to `ProverHandle.reproveOutdated`, which takes it back the same way.
 */
export class OutdatedProofError extends PermanentError {}

/**
 * What a context names does not exist on the chain yet (a checkpoint the CL has not created, a
 * block not yet produced). The task waits for it, re-checking every `retryAfterMs`, without using
 * up its retries: waiting for the chain is not a failure. Plugins refuse contexts too far ahead to
 * ever wait for at submit time instead (see `ProofPluginHandler.admit`).
 */
export class NotYetAvailableError extends PaasError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super("NOT_YET_AVAILABLE", message);
  }
}

/** The task database cannot be used: not a database, corrupt, or written by a newer version. */
export class DatabaseUnusableError extends PaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DATABASE_UNUSABLE", message, options);
  }
}

/** Another process holds the SQLite database (one instance per SQLite file; PostgreSQL for several). */
export class DatabaseInUseError extends PaasError {
  constructor(message: string) {
    super("DATABASE_IN_USE", message);
  }
}

/**
 * This instance no longer holds the task's lease (it expired and another instance took the task
 * over, or an operator cancelled it): the attempt stops and whatever it would write is refused.
 */
export class LeaseLostError extends PaasError {
  constructor(message: string) {
    super("LEASE_LOST", message);
  }
}

/** A proof took longer than its kind's `prove_timeout_ms`: the attempt stops and is retried. */
export class ProveTimeoutError extends TransientError {
  constructor(taskId: string, timeoutMs: number) {
    super(`task ${taskId}: the proof took longer than ${timeoutMs} ms and was stopped`);
  }
}

/** The abort reason of an attempt whose task an operator cancelled (a remote job is cancelled too). */
export class TaskCancelledError extends PaasError {
  constructor(taskId: string) {
    super("TASK_CANCELLED", `task ${taskId} was cancelled`);
  }
}

export type FailureClass = "transient" | "permanent";

/**
 * The classification rule for errors a plugin or host did not classify itself: they count as
 * transient, so an unexpected I/O error is retried, and the retry policy bounds the cost of a
 * genuine bug. Hosts classify their own guest failures as permanent.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof PermanentError) return "permanent";
  if (error instanceof PaasError && PERMANENT_CODES.has(error.code)) return "permanent";
  return "transient";
}

const PERMANENT_CODES: ReadonlySet<PaasErrorCode> = new Set([
  "PERMANENT_FAILURE",
  "INVALID_CONTEXT",
  "INVALID_PARAMS",
  "UNKNOWN_KIND",
  "UNKNOWN_BACKEND",
  "PROOF_NOT_FOUND",
]);

/**
 * What to say about anything thrown, never throwing itself: plugins may throw any value (a string,
 * `{ code, message }`, an object without a prototype, an error whose `message` is a throwing getter).
 */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    const message =
      typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
    return typeof message === "string" ? message : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function list(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}
