import {
  type Backend,
  InvalidParamsError,
  type PluginRpcMethod,
  type ProofContext,
  type ProverHandle,
  parseParamsWith,
  type TaskId,
  type TaskRecord,
  type TaskStatusName,
} from "@paas/core";
import { blockIdOf, CL_STF, type ClClient, ClErrorCode, toHex } from "@paas/rollup";
import { z } from "zod";
import { epochCrossing, evmEeStfContextFor, parseClStfContext } from "./context.js";
import { MAX_BLOCKS_PER_PROOF } from "./program.js";

export const PROVE_CL_BLOCKS = "paas_proveClBlocks";

/** One task `paas_proveClBlocks` submitted. */
export interface SubmittedTask {
  /** The task key. */
  readonly id: string;
  readonly kind: string;
  readonly task: TaskId;
  readonly status: TaskStatusName;
  /** False when the task already existed (submission is idempotent). */
  readonly created: boolean;
}

/** What `paas_proveClBlocks` answers: the CL STF task and the tasks it depends on. */
export interface ProveClBlocksResult extends SubmittedTask {
  readonly dependencies: readonly SubmittedTask[];
}

const slot = (name: string) =>
  z.int(`${name}: a slot number (a non-negative integer)`).min(0).max(Number.MAX_SAFE_INTEGER);
/** `[startSlot, endSlot, backend?]`; messages name the param, since zod's path is only its position. */
const ParamsSchema = z
  .tuple(
    [
      slot("startSlot").min(1, "startSlot: slot 0 is the genesis block, never proven"),
      slot("endSlot"),
      z.string("backend: a backend name").min(1, "backend: a backend name").max(32).optional(),
    ],
    { error: "expected [startSlot, endSlot] or [startSlot, endSlot, backend]" },
  )
  .refine(([start, end]) => start <= end, { message: "startSlot must not exceed endSlot", path: [1] })
  .refine(([start, end]) => end - start + 1 <= MAX_BLOCKS_PER_PROOF, {
    message: `at most ${MAX_BLOCKS_PER_PROOF} slots per proof`,
    path: [1],
  });

export interface ProveClBlocksOptions {
  readonly handle: ProverHandle;
  readonly cl: ClClient;
  readonly defaultBackend: Backend;
}

/**
 * `paas_proveClBlocks(startSlot, endSlot[, backend])`: looks the range's blocks up on the CL, and
 * submits the EVM EE STF proof of the EL blocks they carry and the CL STF proof of the range.
 * Submission is idempotent, so calling it again returns the same tasks.
 */
export function proveClBlocksMethod(options: ProveClBlocksOptions): PluginRpcMethod {
  const { handle, cl, defaultBackend } = options;
  return {
    description:
      "Prove L2 slots startSlot..endSlot (one epoch): submits the CL STF task and the EVM EE STF task it depends on; returns both",
    mutates: true,
    async handler(raw) {
      const [startSlot, endSlot, backendParam] = parseParamsWith(PROVE_CL_BLOCKS, ParamsSchema, raw);
      const backend = backendParam ?? defaultBackend;

      const params = await cl.getRollupParams();
      const crossing = epochCrossing(startSlot, endSlot, params);
      if (crossing !== undefined) throw new InvalidParamsError(`${PROVE_CL_BLOCKS}: ${crossing}`);
      const blocks = await cl.getBlocksInRange(startSlot, endSlot).catch((error: unknown) => {
        if ((error as { rpcCode?: unknown }).rpcCode === ClErrorCode.NOT_FOUND) {
          throw new InvalidParamsError(
            `${PROVE_CL_BLOCKS}: the CL has no blocks for slots ${startSlot}..${endSlot} (yet): ${(error as Error).message}`,
          );
        }
        throw error;
      });
      const first = blocks[0]!;
      const last = blocks.at(-1)!;
      const context = parseClStfContext({
        kind: CL_STF.kind,
        start: { slot: first.header.slot, blockId: toHex(blockIdOf(first.header)) },
        end: { slot: last.header.slot, blockId: toHex(blockIdOf(last.header)) },
      });
      const evmContext = evmEeStfContextFor(blocks);
      // The CL STF task first, so a backend the service refuses stores nothing. The dependency goes
      // where the task's resolution submits it (its own kind's backend, whatever this call's
      // backend), so both name the same task and it is proven once.
      const main = await submit(handle, context, backend);
      const dependency = await submit(handle, evmContext, handle.backendFor(evmContext.kind));
      return { ...main, dependencies: [dependency] } satisfies ProveClBlocksResult;
    },
  };
}

async function submit(handle: ProverHandle, context: ProofContext, backend: Backend): Promise<SubmittedTask> {
  const { task, created } = await handle.submit(context, backend);
  return summary(task, created);
}

function summary(task: TaskRecord, created: boolean): SubmittedTask {
  return { id: task.id, kind: task.kind, task: task.taskId, status: task.status, created };
}
