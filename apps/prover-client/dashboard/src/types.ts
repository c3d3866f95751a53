/**
 * What the prover client's JSON-RPC methods and `/events` answer, as far as the dashboard reads it.
 * A copy of the shapes in @paas/core's contracts, not an import: the browser bundle must not pull
 * in core's Node-only modules (node:crypto), and the browser tests catch a drift in what is shown.
 */

export const TASK_STATUSES = [
  "pending",
  "blocked",
  "queued",
  "proving",
  "publishing",
  "completed",
  "transient_failure",
  "permanent_failure",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a task leaves only by an operator's retry. */
export const RETRYABLE: readonly TaskStatus[] = ["permanent_failure", "cancelled"];
/** Statuses a cancel refuses or leaves alone. */
export const NOT_CANCELLABLE: readonly TaskStatus[] = ["completed", "permanent_failure", "cancelled"];

export interface ProofContext {
  readonly kind: string;
  readonly [field: string]: unknown;
}

export interface TaskRecord {
  readonly id: string;
  readonly kind: string;
  readonly backend: string;
  readonly status: TaskStatus;
  readonly taskId: { readonly context: ProofContext; readonly backend: string };
  readonly retryCount: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly attempt: number;
  readonly phase?: string;
  readonly error?: string;
  readonly nextAttemptAt?: number;
  /** Set on a `transient_failure` that waits for the chain (a block or checkpoint not produced yet). */
  readonly waiting?: true;
  readonly heldBy?: { readonly instance: string; readonly since: number };
}

export interface TaskAttempt {
  readonly attempt: number;
  readonly phase: string;
  readonly instance: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: string;
  readonly error?: string;
}

export interface TaskPage {
  readonly tasks: readonly TaskRecord[];
  readonly nextCursor?: string;
}

export interface TaskGraph {
  readonly root: string;
  readonly nodes: readonly {
    readonly id: string;
    readonly kind: string;
    readonly backend: string;
    readonly context: ProofContext;
    readonly status: TaskStatus;
    readonly error?: string;
  }[];
  /** `from` depends on `to`. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

export interface BulkResult {
  readonly matched: number;
  readonly changed: number;
}

export interface TaskFilter {
  readonly kind?: string;
  readonly status?: TaskStatus;
  readonly backend?: string;
}

export interface InstanceInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly tasksHeld: number;
}

export type StatusCounts = Partial<Readonly<Record<TaskStatus, number>>>;

export interface CheckpointRow {
  readonly index: number;
  /** The checkpoint task's key, once one exists. */
  readonly id?: string;
  readonly status: TaskStatus | "not_submitted";
  /** Its dependency tree (itself included) by status. */
  readonly treeStatus: StatusCounts;
  /** The CL accepted a proof of it. */
  readonly accepted: boolean;
  /** How many checkpoints the CL's latest is ahead of this one. */
  readonly lagBehindLatest: number;
}

/** What `paas_getOverview` answers and `/events` sends as `overview`. */
export interface Overview {
  readonly at: number;
  readonly tasks: {
    readonly total: number;
    readonly byStatus: Readonly<Record<TaskStatus, number>>;
    readonly byKind: Readonly<Record<string, StatusCounts>>;
    /** Of `byStatus.transient_failure`, the tasks waiting for the chain (a checkpoint whose epoch is open). */
    readonly waiting: number;
    /** The same by kind, for the kinds that have any. */
    readonly waitingByKind: Readonly<Record<string, number>>;
  };
  /** Tasks that completed on this instance in the last minute. */
  readonly throughputPerMinute: number;
  /** By kind, this instance's last proofs. */
  readonly provingDurations: Readonly<
    Record<string, { readonly p50Ms: number; readonly p95Ms: number; readonly samples: number }>
  >;
  /** Tasks waiting for a proving slot, cluster-wide. */
  readonly queueDepth: number;
  readonly instances: readonly InstanceInfo[];
  /** This instance's id among `instances`. */
  readonly self: string;
  /** The CL's view, once the checkpoint proof type has heard from it. */
  readonly cl: { readonly latestCheckpoint: number | null; readonly nextUnproven: number | null } | null;
  /** The most recent checkpoints, newest first. */
  readonly checkpoints: readonly CheckpointRow[];
  /** What the plugins' reports say waits for an operator. */
  readonly attention: readonly { readonly kind: string; readonly message: string }[];
}

/** A checkpoint the runner passed over, as the checkpoint plugin's report lists it (`stuck`). */
export interface StuckCheckpoint {
  readonly index: number;
  readonly status: "permanent_failure" | "cancelled" | "completed";
  readonly error: string;
  /** ISO time of the runner's next resubmission; absent when it will not. */
  readonly retryAt?: string;
  /** Absent when read by an instance that does not run the runner. */
  readonly retries?: number;
}

/** The fields of the checkpoint plugin's report the dashboard shows (`paas_getReport`'s `plugins.checkpoint`). */
export interface CheckpointRunnerReport {
  /** "elsewhere": on, but another instance of the cluster runs it (or none is elected right now). */
  readonly runner: "on" | "off" | "elsewhere";
  readonly stuck: readonly StuckCheckpoint[];
  /** Null with the runner elsewhere: its count is in that instance's memory. */
  readonly runnerErrors: number | null;
  /**
   * While this instance's runner's ticks fail: since when (ISO), how many in a row, and when it
   * tries next (ISO). Null while they succeed and with the runner elsewhere; absent from an older server.
   */
  readonly outage?: {
    readonly since: string;
    readonly failedTicks: number;
    readonly nextTryAt: string;
  } | null;
  readonly lastError: string | null;
}
