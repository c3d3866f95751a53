import type { Selectable } from "kysely";
import { storedContext } from "../contracts/context.js";
import type { ProofReceipt, ProofType, ZkVm } from "../contracts/receipt.js";
import type { TaskAttempt, TaskPhase, TaskRecord, TaskTransition } from "../contracts/status.js";
import type { ReceiptsTable, TasksTable } from "./schema.js";

export type TaskRow = Selectable<TasksTable>;

/** A task's row beside one of its attempts, whose columns are null when it has none. */
export type TaskRowWithAttempt = TaskRow & {
  a_attempt: number | null;
  a_phase: TaskPhase | null;
  a_instance: string | null;
  a_started_at: number | null;
  a_ended_at: number | null;
  a_outcome: string | null;
  a_error: string | null;
};

export function toTaskRecord(row: TaskRow): TaskRecord {
  const context = storedContext(row.context);
  const facts = {
    id: row.id,
    taskId: { context, backend: row.backend },
    kind: row.kind,
    backend: row.backend,
    retryCount: row.retry_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempt: row.attempt,
    interruptions: row.interruptions,
    ...(row.lease_expires_at !== null && {
      heldBy: { instance: row.owner ?? "", since: row.claimed_at ?? 0, leaseExpiresAt: row.lease_expires_at },
    }),
    ...(row.job_id !== null && { jobId: row.job_id }),
  };
  // Added to `facts` rather than spread into a new object: on Node 20 every property written after
  // a spread takes a slow path (~1 µs apiece), and a status read runs this once per answer.
  switch (row.status) {
    case "transient_failure":
      return Object.assign(
        facts,
        {
          status: row.status,
          phase: row.phase,
          nextAttemptAt: Number(row.next_attempt_at),
          error: row.error ?? "",
        },
        isWaitingRow(row) && { waiting: true as const },
      );
    case "permanent_failure":
      return Object.assign(facts, { status: row.status, phase: row.phase, error: row.error ?? "" });
    default:
      return Object.assign(facts, { status: row.status });
  }
}

/**
 * Whether the task waits for the chain rather than retrying a failed step: the one reading of the
 * stored flag, behind the records (status, list) and the transitions (logs, metrics) alike.
 */
function isWaitingRow(row: TaskRow): boolean {
  return row.status === "transient_failure" && row.waiting === 1;
}

export function toTransition(row: TaskRow, from: TaskRow["status"] | null): TaskTransition {
  return {
    id: row.id,
    kind: row.kind,
    backend: row.backend,
    context: storedContext(row.context),
    from,
    to: row.status,
    at: row.updated_at,
    retryCount: row.retry_count,
    ...(row.error !== null && { error: row.error }),
    ...(isWaitingRow(row) && { waiting: true as const }),
  };
}

/** The attempt a joined row carries, if the task has any. */
export function joinedAttempt(row: TaskRowWithAttempt): TaskAttempt | undefined {
  if (row.a_attempt === null) return undefined;
  return {
    attempt: row.a_attempt,
    phase: row.a_phase as TaskPhase,
    instance: row.a_instance ?? "",
    startedAt: Number(row.a_started_at),
    endedAt: Number(row.a_ended_at),
    outcome: row.a_outcome ?? "",
    ...(row.a_error !== null && { error: row.a_error }),
  };
}

export function toReceiptRow(taskSeq: number, receipt: ProofReceipt, now: number): ReceiptsTable {
  return {
    task_seq: taskSeq,
    proof: receipt.proof,
    public_values: receipt.publicValues,
    zkvm: receipt.metadata.zkvm,
    program_id: receipt.metadata.programId,
    version: receipt.metadata.version,
    proof_type: receipt.metadata.proofType,
    created_at: now,
  };
}

export function toReceipt(row: Selectable<ReceiptsTable>): ProofReceipt {
  return {
    proof: plainBytes(row.proof),
    publicValues: plainBytes(row.public_values),
    metadata: {
      zkvm: row.zkvm as ZkVm,
      programId: plainBytes(row.program_id),
      version: row.version,
      proofType: row.proof_type as ProofType,
    },
  };
}

/** The drivers hand back Buffers; callers compare and re-encode plain Uint8Arrays. */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}
