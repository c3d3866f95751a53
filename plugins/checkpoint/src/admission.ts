import {
  errorMessage,
  InvalidContextError,
  NotYetAvailableError,
  PermanentError,
  TransientError,
} from "@paas/core";
import { type BatchInfo, batchInfoForCheckpoint, type ClClient, isClNotFound } from "@paas/rollup";

/**
 * Refuses, before anything is stored, a checkpoint the CL will not create soon: more than `horizon`
 * past its latest. One within the horizon is accepted and waits for its epoch to close. A CL that
 * does not answer is no reason to refuse: the task waits for it like any other.
 */
export async function admitCheckpoint(
  cl: ClClient,
  index: number,
  horizon: number,
  signal: AbortSignal,
): Promise<void> {
  let latest: number | null;
  try {
    latest = await cl.getLatestCheckpointIndex({ signal });
  } catch {
    return;
  }
  if (index > (latest ?? -1) + horizon) {
    throw new InvalidContextError(
      `invalid checkpoint context: index: checkpoint ${index} is more than ${horizon} checkpoints beyond the CL's latest (${latest ?? "none yet"}): it will not exist soon enough to wait for (plugin_settings.checkpoint.horizon)`,
    );
  }
}

/**
 * The CL's batch info for a checkpoint, refused (permanently) unless it is the whole of the epoch
 * the rollup's rule gives under the CL's own params. While the CL does not have it, a checkpoint
 * within the horizon waits for its epoch to close (without using up retries); one beyond it fails.
 * One at or below the CL's latest it has had: not served, it is lost, and retried with the retries
 * counted (waited for, it had waited for ever).
 */
export async function checkpointInfo(
  cl: ClClient,
  index: number,
  horizon: number,
  signal: AbortSignal,
): Promise<BatchInfo> {
  let batch: BatchInfo;
  try {
    batch = await cl.getCheckpointInfo(index, { signal });
  } catch (error) {
    if (!isClNotFound(error)) throw error;
    const latest = await cl.getLatestCheckpointIndex({ signal });
    if (latest !== null && index <= latest) {
      throw new TransientError(
        `the CL does not serve checkpoint ${index}, though its latest is ${latest}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    if (index <= (latest ?? -1) + horizon) {
      throw new NotYetAvailableError(
        `checkpoint ${index} does not exist yet (the CL's latest is ${latest ?? "none"}): waiting for its epoch to close`,
      );
    }
    throw new PermanentError(
      `checkpoint ${index} does not exist and is more than ${horizon} beyond the CL's latest (${latest ?? "none"})`,
    );
  }
  // Checkpoint i covers epoch i, all of it. A CL that says otherwise would have the prover prove,
  // under checkpoint i's name, another epoch's transition or part of one.
  const expected = batchInfoForCheckpoint(index, await cl.getRollupParams({ signal }));
  if (
    batch.epoch !== expected.epoch ||
    batch.l2Range.start !== expected.l2Range.start ||
    batch.l2Range.end !== expected.l2Range.end
  ) {
    throw new PermanentError(
      `checkpoint ${index}: the CL's batch info (epoch ${batch.epoch}, slots ${batch.l2Range.start}..${batch.l2Range.end}) is not epoch ${expected.epoch} (slots ${expected.l2Range.start}..${expected.l2Range.end}) by its own rollup params`,
    );
  }
  return batch;
}
