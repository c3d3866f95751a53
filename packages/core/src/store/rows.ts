import type { Selectable } from "kysely";
import { storedContext } from "../contracts/context.js";
import type { ProofReceipt, ProofType, ZkVm } from "../contracts/receipt.js";
import type { TaskAttempt, TaskRecord, TaskTransition } from "../contracts/status.js";
import type { ReceiptsTable, TaskAttemptsTable, TasksTable } from "./schema.js";

export type TaskRow = Selectable<TasksTable>;

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
  switch (row.status) {
    case "transient_failure":
      return {
        ...facts,
        status: row.status,
        phase: row.phase,
        nextAttemptAt: Number(row.next_attempt_at),
        error: row.error ?? "",
      };
    case "permanent_failure":
      return { ...facts, status: row.status, phase: row.phase, error: row.error ?? "" };
    default:
      return { ...facts, status: row.status };
  }
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
  };
}

export function toAttempt(row: Selectable<TaskAttemptsTable>): TaskAttempt {
  return {
    attempt: row.attempt,
    phase: row.phase,
    instance: row.instance,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome,
    ...(row.error !== null && { error: row.error }),
  };
}

export function toReceiptRow(taskId: string, receipt: ProofReceipt, now: number): ReceiptsTable {
  return {
    task_id: taskId,
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
