import type { Generated } from "kysely";
import type { TaskPhase, TaskStatusName } from "../contracts/status.js";

export interface TasksTable {
  /** Insertion order: stable pagination and FIFO claims. */
  seq: Generated<number>;
  /** The task key (`taskKey`). */
  id: string;
  kind: string;
  backend: string;
  /** Canonical JSON of the context. */
  context: string;
  status: TaskStatusName;
  phase: TaskPhase;
  retry_count: number;
  next_attempt_at: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface TaskDepsTable {
  task_id: string;
  dep_id: string;
  /** Order in which the plugin listed the dependency; `fetchInput` receives them in this order. */
  position: number;
}

export interface ReceiptsTable {
  task_id: string;
  proof: Uint8Array;
  public_values: Uint8Array;
  zkvm: string;
  program_id: Uint8Array;
  version: string;
  proof_type: string;
  created_at: number;
}

export interface Database {
  tasks: TasksTable;
  task_deps: TaskDepsTable;
  receipts: ReceiptsTable;
}
