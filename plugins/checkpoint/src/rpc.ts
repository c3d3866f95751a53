import {
  backendParam,
  chainNumberParam,
  OutdatedProofError,
  type PluginRpcMethod,
  type ProverHandle,
  parseParamsWith,
  type TaskRecord,
} from "@paas/core";
import { type ClClient, clNotFound } from "@paas/rollup";
import { z } from "zod";
import { checkpointContext } from "./context.js";
import type { CheckpointFacts } from "./facts.js";
import { publishCheckpoint } from "./publication.js";

/** What both methods answer: the task's key, whether this call created it, and its record. */
export interface ProveCheckpointResult {
  readonly id: string;
  readonly created: boolean;
  readonly task: TaskRecord;
}

/** In the words every plugin's methods use (core's param schemas). */
const proveCheckpointParams = z.tuple([chainNumberParam("index", "a checkpoint index"), backendParam()], {
  error: "expected [index] or [index, backend]",
});
const proveLatestParams = z.tuple([backendParam()], { error: "expected [] or [backend]" });

/**
 * `paas_proveCheckpoint(index[, backend])` and `paas_proveLatestCheckpoint([backend])`: submit a
 * checkpoint (idempotently; a permanently failed or cancelled one starts again, a completed one the
 * CL lists unproven is published again, or proven again when its proof is of blocks the CL has
 * replaced since) on `backend`, by default the checkpoint kind's
 * (`handle.backendFor`). A checkpoint the CL does not have yet waits for it within
 * the plugin's horizon and is refused beyond it (the plugin's `admit`, as for `paas_submitTask`).
 */
export function checkpointRpcMethods(
  handle: ProverHandle,
  cl: ClClient,
  defaultBackend: string,
  facts: CheckpointFacts,
): Record<string, PluginRpcMethod> {
  const prove = async (
    index: number,
    backend: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ProveCheckpointResult> => {
    const { task, created } = await handle.submit(checkpointContext(index), backend ?? defaultBackend);
    if (created) facts.submitted(index);
    // Proven, but perhaps not by the CL's account: it lost the proof, or refused it when the runner
    // published it again, and the runner leaves it to an operator, whose call this is. Publishing
    // the stored proof (only if the CL lists it unproven) is what the call can do; its rejection,
    // with the CL's reason, is the answer. Returned as is, the call had changed nothing. Under the
    // call's deadline: a silent CL held the call through every retry of every CL call (minutes).
    // A proof of blocks the CL replaced (it lost the checkpoint in a reorg) is not submitted: the
    // task is taken back and proven again from the new chain, and the answer is its new record.
    if (!created && task.status === "completed") {
      try {
        await publishCheckpoint(cl, index, await handle.proof(task.id), signal, { outdated: true });
      } catch (error) {
        if (!(error instanceof OutdatedProofError)) throw error;
        const taken = await handle.reproveOutdated(task.id, { attempt: task.attempt, error });
        return { id: task.id, created, task: taken.task };
      }
      facts.accepted(index);
    }
    return { id: task.id, created, task };
  };
  return {
    paas_proveCheckpoint: {
      description:
        "Proves checkpoint `index` (epoch `index`) and publishes it to the CL. Params: [index, backend?].",
      mutates: true,
      async handler(params, call) {
        const [index, backend] = parseParamsWith("paas_proveCheckpoint", proveCheckpointParams, params);
        return prove(index, backend, call?.signal);
      },
    },
    paas_proveLatestCheckpoint: {
      description:
        "Proves the CL's latest checkpoint (cl_getLatestCheckpointIndex) and publishes it. Params: [backend?].",
      mutates: true,
      async handler(params, call) {
        const [backend] = parseParamsWith("paas_proveLatestCheckpoint", proveLatestParams, params);
        const latest = await cl.getLatestCheckpointIndex({ signal: call?.signal });
        if (latest === null) throw clNotFound("latest checkpoint (no epoch has closed yet)");
        return prove(latest, backend, call?.signal);
      },
    },
  };
}
