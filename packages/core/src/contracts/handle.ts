import type { OutdatedProofError } from "../errors.js";
import type { ProofContext } from "./context.js";
import type { ProofReceipt } from "./receipt.js";
import type {
  BulkResult,
  CompletedFilter,
  InstanceInfo,
  ListFilter,
  PruneOptions,
  PruneResult,
  StatusSummary,
  TaskAttempt,
  TaskFilter,
  TaskGraph,
  TaskPage,
  TaskRecord,
  TaskRecordWithHistory,
  TaskTransition,
} from "./status.js";
import type { Backend, TaskRef } from "./task-id.js";

export interface SubmitResult {
  readonly task: TaskRecord;
  /** False when the task already existed and was left as it was (idempotent submit). */
  readonly created: boolean;
}

export interface ReproveResult {
  readonly task: TaskRecord;
  /** False when the task was left as it was: not completed, or proven again since `attempt`. */
  readonly reproven: boolean;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** The client API of a running prover service: the ADR's `RegistryProverHandle`. */
export interface ProverHandle {
  /**
   * Submits a task. Idempotent: a task that exists is returned as it is, unless it failed
   * permanently or was cancelled, in which case it starts again. Throws `UnknownKindError`,
   * `UnknownBackendError` or `InvalidContextError` before anything is stored.
   */
  submit(context: ProofContext, backend: Backend): Promise<SubmitResult>;
  /** Submits several contexts on one backend in one write; results in the same order. */
  submitMany(contexts: readonly ProofContext[], backend: Backend): Promise<SubmitResult[]>;
  /** Throws `TaskNotFoundError` for a task nobody submitted. */
  status(task: TaskRef): Promise<TaskRecord>;
  /** Task counts by kind, backend and status, across every instance sharing the database. */
  summary(): Promise<StatusSummary>;
  /** Every finished attempt of the task's steps, oldest first. Throws `TaskNotFoundError`. */
  history(task: TaskRef): Promise<readonly TaskAttempt[]>;
  /** The record and its history read together, so they agree. Throws `TaskNotFoundError`. */
  statusWithHistory(task: TaskRef): Promise<TaskRecordWithHistory>;
  /** The instances sharing the database, with their last heartbeat and the tasks they hold. */
  instances(): Promise<readonly InstanceInfo[]>;
  list(filter?: ListFilter): Promise<TaskPage>;
  /**
   * Completed tasks of one kind, oldest completion first, whichever instance completed them: one
   * range of an index on completed tasks' `(kind, updated_at)`, so a caller that asks from where it
   * last looked reads what completed since, not every completed task. Completion times are the
   * completing instance's clock and commit a moment after they are taken: to miss none, ask again
   * from a little (clock skew and a commit's delay) before the last one seen.
   */
  listCompleted(filter: CompletedFilter): Promise<TaskPage>;
  /**
   * Takes back a completed task whose proof the caller found outdated (the chain it proves was
   * reorganised since, e.g. a checkpoint the CL accepted, then lost with the blocks it replaced):
   * its proof and its completion are dropped in one transaction and it is proven again from its
   * first step, resolving its dependencies again; its history records the error (outcome
   * `outdated`). Fenced by `attempt`, the record's when its proof was read: a task proven again
   * since is left as it is, so two callers finding the same proof outdated take it back once.
   * Throws `TaskNotFoundError`.
   */
  reproveOutdated(
    task: TaskRef,
    outdated: { readonly attempt: number; readonly error: OutdatedProofError },
  ): Promise<ReproveResult>;
  /** Cancels a task that has not completed; an in-flight attempt is aborted. */
  cancel(task: TaskRef): Promise<TaskRecord>;
  /**
   * Starts again every failed or cancelled task the filter matches (as a resubmission would). A
   * status filter naming another status is refused (`InvalidParamsError`).
   */
  retryMany(filter: TaskFilter): Promise<BulkResult>;
  /** Cancels every unfinished task the filter matches; a status filter naming a finished status is refused. */
  cancelMany(filter: TaskFilter): Promise<BulkResult>;
  /** Deletes old finished tasks nothing depends on any more, and gives the space back. */
  prune(options: PruneOptions): Promise<PruneResult>;
  /** The task and everything it depends on. Throws `TaskNotFoundError`. */
  graph(task: TaskRef): Promise<TaskGraph>;
  /** Throws `ProofNotFoundError` when the task has no receipt yet. */
  proof(task: TaskRef): Promise<ProofReceipt>;
  /**
   * Resolves with the record once the task is completed, failed permanently or cancelled; rejects
   * with `ServiceClosedError` if the service closes first.
   */
  wait(task: TaskRef, options?: WaitOptions): Promise<TaskRecord>;
  /** Listens to committed transitions; returns the function that stops listening. */
  onTransition(listener: (transition: TaskTransition) => void): () => void;
  kinds(): readonly string[];
  backends(): readonly Backend[];
  /** The backend to use when a caller names none (the app's `default_backend`). */
  defaultBackend(): Backend;
  /**
   * The backend a kind's tasks go to when a caller names none: the kind's own mapping (the app's
   * `[kinds.<kind>] backend`), else `defaultBackend()`. Plugins submit through it.
   */
  backendFor(kind: string): Backend;
}
