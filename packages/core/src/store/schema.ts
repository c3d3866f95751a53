import type { Generated } from "kysely";
import type { TaskPhase, TaskStatusName } from "../contracts/status.js";

export interface TasksTable {
  /** Insertion order: stable pagination, and the tie-break of claims after `priority`. */
  seq: Generated<number>;
  /** The task key (`taskKey`). */
  id: string;
  kind: string;
  backend: string;
  /** Canonical JSON of the context. */
  context: string;
  status: TaskStatusName;
  phase: TaskPhase;
  /** Failed attempts in the current step; kept across restarts and takeovers. */
  retry_count: number;
  next_attempt_at: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  /** Claims are served lowest first: a task's own submission time, or its earliest dependent's. */
  priority: number;
  /** Every claim increments it: the fencing token. A write by an older attempt matches no row. */
  attempt: Generated<number>;
  /** The instance holding the task's lease, while a step runs. */
  owner: string | null;
  /** When the lease lapses unless renewed; null while nobody works on the task. */
  lease_expires_at: number | null;
  /** When the current (or last) attempt was claimed. */
  claimed_at: number | null;
  /** Attempts lost to a crash, a hang or a partition (their lease expired); bounded by policy. */
  interruptions: Generated<number>;
  /** A remote prover's job for the current proof, persisted before waiting on it. */
  job_id: string | null;
  /**
   * 1 when a `transient_failure` waits for the chain (`NotYetAvailableError`), 0 when its step
   * failed (0011): written by every step ending in `transient_failure`, read only in that status.
   */
  waiting: Generated<number>;
}

export interface TaskDepsTable {
  task_id: string;
  dep_id: string;
  /** Order in which the plugin listed the dependency; `fetchInput` receives them in this order. */
  position: number;
}

/** A task's receipt, keyed by the task's `seq` (see migration 0006); join `tasks` for its id. */
export interface ReceiptsTable {
  task_seq: number;
  proof: Uint8Array;
  public_values: Uint8Array;
  zkvm: string;
  program_id: Uint8Array;
  version: string;
  proof_type: string;
  created_at: number;
}

/** One finished attempt of one step: the task's history. */
export interface TaskAttemptsTable {
  /** The task's `seq`, as for receipts. */
  task_seq: number;
  attempt: number;
  phase: TaskPhase;
  instance: string;
  started_at: number;
  ended_at: number;
  /** What the attempt came to: see `AttemptOutcome`. */
  outcome: string;
  error: string | null;
}

/**
 * Task counts by kind, backend and status, kept by triggers on `tasks`. Rows are deltas: the count
 * is the sum over `shard`. On PostgreSQL each database session writes its own shard (its backend
 * pid), so instances never wait on each other's counter rows; shards of ended sessions are folded
 * into shard 0 from time to time. On SQLite there is one writer and one shard.
 */
export interface TaskCountsTable {
  kind: string;
  backend: string;
  status: TaskStatusName;
  shard: number;
  n: number;
}

/** Prover instances sharing the database, with their last heartbeat. */
export interface InstancesTable {
  id: string;
  host: string;
  pid: number;
  role: string;
  started_at: number;
  heartbeat_at: number;
  /** The instance's own lease: it is live while its heartbeat is within two of them. Null before 0010. */
  lease_ms: number | null;
}

/** Leases of once-per-cluster services (the checkpoint runner): the elected instance holds it. */
export interface ServiceLeasesTable {
  name: string;
  owner: string;
  expires_at: number;
}

export interface Database {
  tasks: TasksTable;
  task_deps: TaskDepsTable;
  receipts: ReceiptsTable;
  task_attempts: TaskAttemptsTable;
  task_counts: TaskCountsTable;
  instances: InstancesTable;
  service_leases: ServiceLeasesTable;
}
