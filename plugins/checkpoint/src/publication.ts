import { setTimeout as sleep } from "node:timers/promises";
import {
  errorMessage,
  NotYetAvailableError,
  OutdatedProofError,
  PermanentError,
  type ProofReceipt,
  TransientError,
} from "@paas/core";
import {
  batchInfoForCheckpoint,
  bytesEqual,
  type CheckpointSubmission,
  type ClClient,
  chainstateRoot,
  invalidProofReason,
  isClNotFound,
  shortHex,
} from "@paas/rollup";
import { encodeReceipt } from "@paas/zkvm";
import { decodeBatchTransition } from "./program.js";

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

/** Submissions tried within one publication attempt, each after asking whether it is needed. */
const SUBMISSIONS_PER_ATTEMPT = 3;
/** How often the CL is asked whether it took a submission whose answer did not come. */
const VERDICT_POLL_MS = 250;

/**
 * Publishes a checkpoint proof (`cl_submitCheckpointProof(index, receipt bytes)`), never twice
 * needlessly: on a real L1 every submission may cost fees. It asks the CL first
 * (`cl_getCheckpointStatus`) whether the checkpoint is proven already — a restart, a takeover by
 * another instance or an answer lost on the way may have published it — and submits only if not.
 * A submission whose answer was lost is asked about again before it is repeated, for as long as it
 * was given (see `submitOnce`).
 *
 * - "accepted", "already-proven" and a checkpoint the CL already lists as proven are success.
 * - The CL rejecting the proof (`INVALID_PROOF`) is a `CheckpointRejectedError` (permanent) carrying
 *   the CL's reason.
 * - The CL not having the checkpoint (`NOT_FOUND`) is waited for (`NotYetAvailableError`) while its
 *   latest is below it: it had it when the proof was made, so it is behind (a lagging replica, a
 *   restart without its data). Listing later ones, it is a `TransientError`, retried as one.
 * - What the JSON-RPC client calls permanent (another 4xx, an unknown method, an answer that does
 *   not fit) is thrown as it is: the task fails in publication, keeping its proof.
 * - Anything else (the CL unreachable, timing out, answering 5xx) is a `TransientError`: the
 *   scheduler retries the publication with backoff from `publishing`, never proving again.
 * - With `outdated` (the task's own publication), a proof of another chain than the CL's now is an
 *   `OutdatedProofError`, never submitted: see `requireCurrentTransition`.
 */
export async function publishCheckpoint(
  cl: ClClient,
  index: number,
  receipt: ProofReceipt,
  signal?: AbortSignal,
  options: { readonly outdated?: boolean } = {},
): Promise<CheckpointSubmission> {
  for (let submission = 1; ; submission++) {
    try {
      const { status } = await cl.getCheckpointStatus(index, { signal });
      if (status === "proven") return { index, outcome: "already-proven" };
      if (options.outdated) await requireCurrentTransition(cl, index, receipt, signal);
      return await submitOnce(cl, index, receipt, signal);
    } catch (error) {
      const reason = invalidProofReason(error);
      if (reason !== undefined) throw new CheckpointRejectedError(index, reason, { cause: error });
      if (signal?.aborted) throw error;
      // Permanent for the client, yet no verdict on the proof: failed for it, a proven checkpoint
      // waited for an operator (and used up the runner's resubmissions) while the CL caught up.
      if (isClNotFound(error)) throw await notFoundError(cl, index, error, signal);
      if (error instanceof PermanentError) throw error;
      if (submission < SUBMISSIONS_PER_ATTEMPT) continue;
      throw new TransientError(`publishing checkpoint ${index} to the CL failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
}

/**
 * One submission. A CL whose answer did not come (its deadline passed, the connection was cut, a
 * proxy's 5xx) may still be taking the proof: verifying one can take it longer than the client
 * waits. Asked at once, it listed the checkpoint unproven and the proof was submitted again. So it
 * is given as long again as the submission had, and asked now and then whether it took the proof,
 * before the failure stands.
 */
async function submitOnce(
  cl: ClClient,
  index: number,
  receipt: ProofReceipt,
  signal: AbortSignal | undefined,
): Promise<CheckpointSubmission> {
  const sent = Date.now();
  try {
    return await cl.submitCheckpointProof(index, encodeReceipt(receipt), { signal });
  } catch (error) {
    if (!(error instanceof TransientError) || signal?.aborted) throw error;
    const deadline = Date.now() + (Date.now() - sent);
    while (Date.now() + VERDICT_POLL_MS < deadline) {
      await sleep(VERDICT_POLL_MS, undefined, { signal });
      const answer = await cl
        .getCheckpointStatus(index, { signal, timeoutMs: Math.max(1, deadline - Date.now()) })
        .catch(() => undefined);
      if (answer?.status === "proven") return { index, outcome: "already-proven" };
    }
    throw error;
  }
}

/**
 * The CL answered that it does not have checkpoint `index`. Behind (its latest is below it), it is
 * waited for. Listing later checkpoints, it is not catching up: waited for without counting, the
 * task waited for ever, in flight for the runner, which neither reported nor resubmitted it.
 */
async function notFoundError(
  cl: ClClient,
  index: number,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<Error> {
  const latest = await cl.getLatestCheckpointIndex({ signal });
  if (latest !== null && index <= latest) {
    return new TransientError(
      `the CL does not have checkpoint ${index}, though its latest is ${latest}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return new NotYetAvailableError(
    `the CL does not have checkpoint ${index} now (it is behind, or restarted without its data): the proof is published once it does: ${errorMessage(error)}`,
  );
}

/**
 * The proof's pre- and post-state roots must be those of the CL's chainstates at either end of the
 * checkpoint's range now. Otherwise the CL reorganised since the CL STF proofs it aggregates were
 * made (after the checkpoint's inputs were read, or the task would have failed before proving):
 * the CL would reject the proof, and kept, every resubmission published it again. An
 * `OutdatedProofError`: the scheduler drops the proof, so a resubmission (the runner's) resolves
 * the checkpoint again from the new chain and proves it. A CL that no longer serves a chainstate
 * (pruned) cannot say: the proof is submitted and the CL judges it, as before this check.
 */
async function requireCurrentTransition(
  cl: ClClient,
  index: number,
  receipt: ProofReceipt,
  signal: AbortSignal | undefined,
): Promise<void> {
  const proven = decodeBatchTransition(receipt.publicValues);
  const { start, end } = batchInfoForCheckpoint(index, await cl.getRollupParams({ signal })).l2Range;
  const ends = [
    ["pre-state", start - 1, proven.preStateRoot],
    ["post-state", end, proven.postStateRoot],
  ] as const;
  for (const [name, slot, root] of ends) {
    const chainstate = await cl.getChainstate(slot, { signal }).catch((error: unknown) => {
      if (isClNotFound(error)) return undefined;
      throw error;
    });
    if (chainstate === undefined) return;
    const current = chainstateRoot(chainstate);
    if (bytesEqual(current, root)) continue;
    throw new OutdatedProofError(
      `checkpoint ${index}: the proof's ${name} root ${shortHex(root)} is not the CL's ${shortHex(current)} at slot ${slot}: ` +
        "the CL reorganised since its CL STF proofs were made; not published, and dropped: a resubmission proves the new chain's",
    );
  }
}
