import type { ProofContext } from "./context.js";
import type { Backend, TaskId } from "./task-id.js";

/**
 * The lifecycle:
 *   pending → blocked → queued → proving → [publishing →] completed
 * with transient_failure (retried after backoff), permanent_failure and cancelled.
 */
export type TaskStatusName =
  | "pending"
  | "blocked"
  | "queued"
  | "proving"
  | "publishing"
  | "completed"
  | "transient_failure"
  | "permanent_failure"
  | "cancelled";

export const TASK_STATUSES: readonly TaskStatusName[] = [
  "pending",
  "blocked",
  "queued",
  "proving",
  "publishing",
  "completed",
  "transient_failure",
  "permanent_failure",
  "cancelled",
];

/** Which step a task is in (or failed in): resolving dependencies, proving, or publishing. */
export type TaskPhase = "resolve" | "prove" | "publish";

export type TaskState =
  | {
      readonly status:
        | "pending"
        | "blocked"
        | "queued"
        | "proving"
        | "publishing"
        | "completed"
        | "cancelled";
    }
  | {
      readonly status: "transient_failure";
      readonly phase: TaskPhase;
      readonly retryCount: number;
      /** Epoch milliseconds of the next attempt. */
      readonly nextAttemptAt: number;
      readonly error: string;
      /**
       * Set when the task waits for the chain to produce what its context names
       * (`NotYetAvailableError`), using up no retry: `error` says what it waits for, and
       * `nextAttemptAt` is when it checks again. Absent when its step failed and is retried.
       */
      readonly waiting?: true;
    }
  | { readonly status: "permanent_failure"; readonly phase: TaskPhase; readonly error: string };

interface TaskFacts {
  /** The task key (see `taskKey`). */
  readonly id: string;
  readonly taskId: TaskId;
  readonly kind: string;
  readonly backend: Backend;
  /** Failed attempts in the current phase; kept across restarts. */
  readonly retryCount: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** How many times a step of this task was claimed (the fencing token of the latest claim). */
  readonly attempt: number;
  /** Attempts lost because their instance stopped renewing the lease (crash, hang, partition). */
  readonly interruptions: number;
  /** Present while an instance works on the task. */
  readonly heldBy?: {
    readonly instance: string;
    readonly since: number;
    readonly leaseExpiresAt: number;
  };
  /** A remote prover's job id for the current proof, once one was started. */
  readonly jobId?: string;
}

export type TaskRecord = TaskFacts & TaskState;

export const TERMINAL_STATUSES: ReadonlySet<TaskStatusName> = new Set([
  "completed",
  "permanent_failure",
  "cancelled",
]);

/**
 * Allowed transitions. Every change of status goes through this table (in code) and is committed
 * with a guard on the current status (in SQL), so a concurrent change makes the later one a no-op.
 */
export const TRANSITIONS: Readonly<Record<TaskStatusName, readonly TaskStatusName[]>> = {
  pending: ["blocked", "queued", "transient_failure", "permanent_failure", "cancelled"],
  blocked: ["queued", "permanent_failure", "cancelled"],
  queued: ["proving", "cancelled"],
  proving: [
    "queued",
    "blocked",
    "publishing",
    "completed",
    "transient_failure",
    "permanent_failure",
    "cancelled",
  ],
  publishing: ["completed", "transient_failure", "permanent_failure", "cancelled"],
  transient_failure: ["pending", "queued", "publishing", "permanent_failure", "cancelled"],
  permanent_failure: ["pending", "queued", "publishing"],
  cancelled: ["pending", "queued", "publishing"],
  // Only when a dependent needs its proof and another version of its program made it (a stale
  // proof), or when its plugin found the proof outdated (the chain it proves was reorganised).
  completed: ["pending", "queued"],
};

export function canTransition(from: TaskStatusName, to: TaskStatusName): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Emitted after a transition is committed. */
export interface TaskTransition {
  readonly id: string;
  readonly kind: string;
  readonly backend: Backend;
  readonly context: ProofContext;
  readonly from: TaskStatusName | null;
  readonly to: TaskStatusName;
  readonly at: number;
  readonly retryCount: number;
  readonly error?: string;
  /**
   * Set on a `transient_failure` that waits for the chain to produce what the context names
   * (`NotYetAvailableError`): no retry is used up, and logs and metrics do not count it a failure.
   */
  readonly waiting?: true;
}

/**
 * Whether a transition is a step failing (retried or for good). A wait for the chain is not one:
 * counted as a retry, a task waiting for a block an hour ahead showed as hundreds of them.
 */
export function isStepFailure(t: TaskTransition): boolean {
  return (t.to === "transient_failure" && t.waiting !== true) || t.to === "permanent_failure";
}

/** A task's record with every finished attempt of its steps, oldest first. */
export type TaskRecordWithHistory = TaskRecord & { readonly attempts: readonly TaskAttempt[] };

/** One finished attempt of a step, as the task's history records it. */
export interface TaskAttempt {
  readonly attempt: number;
  readonly phase: TaskPhase;
  readonly instance: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** resolved, proven, published, transient_failure, waiting (for the chain), permanent_failure, interrupted, released, cancelled, lease_lost, stale_dependencies, outdated */
  readonly outcome: string;
  readonly error?: string;
}

/** A prover instance sharing the task database, as of its last heartbeat. */
export interface InstanceInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** Tasks whose lease it holds now. */
  readonly tasksHeld: number;
}

export interface StatusCount {
  readonly kind: string;
  readonly backend: Backend;
  readonly status: TaskStatusName;
  readonly count: number;
  /**
   * On a `transient_failure` row: how many of its `count` wait for the chain (`TaskState.waiting`)
   * rather than retry a failed step. Absent when none does.
   */
  readonly waiting?: number;
}

export interface StatusSummary {
  readonly total: number;
  /** Every task in its status: `transient_failure` counts the tasks waiting for the chain too. */
  readonly byStatus: Readonly<Record<TaskStatusName, number>>;
  /**
   * Of `byStatus.transient_failure`, the tasks that wait for the chain (a checkpoint whose epoch is
   * open): no failure, though in that status, as `paas list --status transient_failure` lists them.
   */
  readonly waiting: number;
  readonly rows: readonly StatusCount[];
}

/** Which tasks a list or an operator's bulk action takes; every field narrows. */
export interface TaskFilter {
  readonly kind?: string;
  readonly status?: TaskStatusName;
  readonly backend?: Backend;
  /** Only tasks whose last change is at least this many milliseconds old. */
  readonly olderThanMs?: number;
}

export interface ListFilter extends TaskFilter {
  /** At most this many records (default 100, at most 1000). */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/**
 * Completed tasks of one kind, in the order they completed (`ProverHandle.listCompleted`): what a
 * plugin that follows completions across the cluster reads from where it last looked.
 */
export interface CompletedFilter {
  readonly kind: string;
  /** Only tasks whose completion (`updatedAt`) is at or after this time, in epoch milliseconds. */
  readonly since?: number;
  /** At most this many records (default 100, at most 1000). */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface TaskPage {
  readonly tasks: readonly TaskRecord[];
  /** Present when more tasks match: pass it as `cursor` to get the next page. */
  readonly nextCursor?: string;
}

/** What an operator's bulk retry or cancel did. */
export interface BulkResult {
  /** Tasks the filter matched that the action applies to (failed or cancelled ones for a retry, unfinished ones for a cancel). */
  readonly matched: number;
  /** Those it changed (others changed under it meanwhile). */
  readonly changed: number;
}

export interface PruneOptions {
  /** Finished tasks (completed, failed permanently, cancelled) whose last change is at least this old. */
  readonly olderThanMs: number;
  /**
   * Their receipts go with them: a receipt cannot be read without its task. So a prune says what
   * becomes of them: appended to `receipts.jsonl` in this directory first (one JSON line per
   * receipt, with its task's key and context), or, with `deleteReceipts`, nothing. A prune that
   * says neither is refused.
   */
  readonly exportReceiptsTo?: string;
  readonly deleteReceipts?: boolean;
  /**
   * Rewrite the tables so the space goes back to the operating system, holding every other
   * statement while it runs: PostgreSQL's `VACUUM FULL` locks them, SQLite's `VACUUM` holds the
   * process (tens of seconds for a few GB) and needs as much free disk as the database. Without it
   * the space is kept for the rows that come next.
   */
  readonly compact?: boolean;
}

export interface PruneResult {
  readonly tasks: number;
  readonly receiptsExported: number;
  readonly receiptsDeleted: number;
  /** The database's size on disk before and after (SQLite: the file and its WAL; PostgreSQL: the tables). */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/** A task and everything it depends on, transitively: what the dashboard draws. */
export interface TaskGraph {
  readonly root: string;
  readonly nodes: readonly {
    readonly id: string;
    readonly kind: string;
    readonly backend: Backend;
    readonly context: ProofContext;
    readonly status: TaskStatusName;
    readonly error?: string;
  }[];
  /** `from` depends on `to`. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}
