import { errorMessage, PermanentError, type ProofReceipt, TransientError } from "@paas/core";
import { type CheckpointSubmission, type ClClient, invalidProofReason } from "@paas/rollup";
import { encodeReceipt } from "@paas/zkvm";

/** The CL refused a checkpoint proof as invalid: permanent, with the CL's own reason. */
export class CheckpointRejectedError extends PermanentError {
  constructor(
    readonly index: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the CL rejected the proof of checkpoint ${index}: ${reason}`, options);
  }
}

/**
 * Submits a checkpoint proof to the CL (`cl_submitCheckpointProof(index, receipt bytes)`).
 *
 * - "accepted" and "already-proven" are both success: a resubmission after a lost answer or a
 *   restart must not fail the task.
 * - The CL rejecting the proof (`INVALID_PROOF`) is a `CheckpointRejectedError` (permanent) carrying
 *   the CL's reason.
 * - Anything else (the CL unreachable, timing out, answering 5xx or another error, a malformed
 *   answer) is a `TransientError`: the scheduler retries the publication with backoff from
 *   `publishing`, never proving again, until its retry policy gives up.
 */
export async function submitCheckpointProof(
  cl: ClClient,
  index: number,
  receipt: ProofReceipt,
  signal?: AbortSignal,
): Promise<CheckpointSubmission> {
  try {
    return await cl.submitCheckpointProof(index, encodeReceipt(receipt), { signal });
  } catch (error) {
    const reason = invalidProofReason(error);
    if (reason !== undefined) throw new CheckpointRejectedError(index, reason, { cause: error });
    if (signal?.aborted) throw error;
    throw new TransientError(`publishing checkpoint ${index} to the CL failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
