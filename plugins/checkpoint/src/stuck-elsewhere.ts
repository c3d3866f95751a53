import { PaasError, type ProverHandle, type TaskRecord } from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import { checkpointContext } from "./context.js";
import type { StuckCheckpoint } from "./facts.js";

const PASSED_OVER: readonly string[] = ["permanent_failure", "cancelled"];

/**
 * The checkpoints the CL waits on that the task database shows failed permanently or cancelled,
 * for the report of an instance that does not run the checkpoint runner: what the runner found
 * stuck is in its own instance's memory, and this one's list was empty whatever held the CL back.
 * The task counts (a few dozen rows) say first whether any checkpoint task is such at all; only
 * then are the runner's `window` checkpoints from the CL's next unproven one read, one each.
 * Without the runner's retry schedule: that instance's report says when it submits them again.
 */
export async function stuckInTaskDatabase(
  handle: ProverHandle,
  cl: { readonly latestCheckpoint: number | null; readonly nextUnproven: number | null },
  window: number,
): Promise<StuckCheckpoint[]> {
  const { latestCheckpoint: latest, nextUnproven: next } = cl;
  if (latest === null || next === null) return [];
  const backend = handle.backendFor(CHECKPOINT.kind);
  const { rows } = await handle.summary();
  const any = rows.some(
    (r) =>
      r.kind === CHECKPOINT.kind && r.backend === backend && PASSED_OVER.includes(r.status) && r.count > 0,
  );
  if (!any) return [];
  const indices = Array.from(
    { length: Math.max(0, Math.min(window, latest - next + 1)) },
    (_, i) => next + i,
  );
  const records = await Promise.all(indices.map((index) => taskOf(handle, index, backend)));
  return records.flatMap((record, i): StuckCheckpoint[] => {
    if (record?.status === "cancelled") {
      return [{ index: indices[i]!, status: "cancelled", error: "cancelled by an operator" }];
    }
    if (record?.status === "permanent_failure") {
      return [{ index: indices[i]!, status: "permanent_failure", error: record.error ?? "" }];
    }
    return [];
  });
}

async function taskOf(handle: ProverHandle, index: number, backend: string): Promise<TaskRecord | undefined> {
  try {
    return await handle.status({ context: checkpointContext(index), backend });
  } catch (error) {
    if (error instanceof PaasError && error.code === "TASK_NOT_FOUND") return undefined;
    throw error;
  }
}
