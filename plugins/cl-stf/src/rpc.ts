import {
  type Backend,
  backendParam,
  chainNumberParam,
  InvalidContextError,
  InvalidParamsError,
  type PluginRpcMethod,
  type ProofContext,
  type ProverHandle,
  parseParamsWith,
  rangeCheck,
  type TaskRecord,
  UnknownBackendError,
} from "@paas/core";
import { blockIdOf, CL_STF, type ClClient, ClErrorCode, EVM_EE_STF, toHex } from "@paas/rollup";
import { z } from "zod";
import { epochCrossing, evmEeStfContextFor, parseClStfContext, slotsPerEpochMismatch } from "./context.js";
import { MAX_BLOCKS_PER_PROOF } from "./program.js";

export const PROVE_CL_BLOCKS = "paas_proveClBlocks";

/** One task `paas_proveClBlocks` submitted, as every plugin's proving methods answer it. */
export interface SubmittedTask {
  /** The task key. */
  readonly id: string;
  /** False when the task already existed (submission is idempotent). */
  readonly created: boolean;
  readonly task: TaskRecord;
}

/** What `paas_proveClBlocks` answers: the CL STF task and the tasks it depends on. */
export interface ProveClBlocksResult extends SubmittedTask {
  readonly dependencies: readonly SubmittedTask[];
}

/** `[startSlot, endSlot, backend?]`, in the words every plugin's methods use (core's param schemas). */
const slot = (name: string) =>
  chainNumberParam(name, "a slot number", "slot 0 is the genesis block, never proven");
const ParamsSchema = z
  .tuple([slot("startSlot"), slot("endSlot"), backendParam()], {
    error: "expected [startSlot, endSlot] or [startSlot, endSlot, backend]",
  })
  .superRefine(rangeCheck({ start: "startSlot", end: "endSlot", unit: "slots", max: MAX_BLOCKS_PER_PROOF }));

export interface ProveClBlocksOptions {
  readonly handle: ProverHandle;
  readonly cl: ClClient;
  readonly defaultBackend: Backend;
  /** `plugin_settings.cl-stf.slots_per_epoch`, which the CL STF task's own submission applies. */
  readonly slotsPerEpoch?: number | undefined;
}

/**
 * `paas_proveClBlocks(startSlot, endSlot[, backend])`: looks the range's blocks up on the CL, and
 * submits the EVM EE STF proof of the EL blocks they carry and the CL STF proof of the range.
 * Submission is idempotent, so calling it again returns the same tasks.
 */
export function proveClBlocksMethod(options: ProveClBlocksOptions): PluginRpcMethod {
  const { handle, cl, defaultBackend, slotsPerEpoch } = options;
  return {
    description:
      "Prove L2 slots startSlot..endSlot (one epoch): submits the CL STF task and the EVM EE STF task it depends on; returns both",
    mutates: true,
    async handler(raw, call) {
      const [startSlot, endSlot, backendParam] = parseParamsWith(PROVE_CL_BLOCKS, ParamsSchema, raw);
      const backend = backendParam ?? defaultBackend;
      const lookup = { signal: call?.signal };

      const params = await cl.getRollupParams(lookup);
      // Before anything is stored: the CL STF task's submission would refuse the CL's own epochs
      // after the dependency had been submitted, leaving it behind.
      const mismatch = slotsPerEpochMismatch(slotsPerEpoch, params);
      if (mismatch !== undefined) throw new InvalidParamsError(`${PROVE_CL_BLOCKS}: ${mismatch}`);
      const crossing = epochCrossing(startSlot, endSlot, params);
      if (crossing !== undefined) throw new InvalidParamsError(`${PROVE_CL_BLOCKS}: ${crossing}`);
      const blocks = await cl.getBlocksInRange(startSlot, endSlot, lookup).catch((error: unknown) => {
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
      // A backend the service would refuse is refused before anything is stored.
      if (!handle.backends().includes(backend)) throw new UnknownBackendError(backend, handle.backends());
      // The dependency first: a range its own kind refuses (longer than its max_blocks) leaves no
      // CL STF task behind that could only fail. It goes where the task's resolution submits it
      // (its own kind's backend, whatever this call's), so both name the same task.
      const dependency = await submit(handle, evmContext, handle.backendFor(evmContext.kind)).catch(
        (error: unknown) => {
          if (!(error instanceof InvalidContextError)) throw error;
          throw new InvalidParamsError(
            `${PROVE_CL_BLOCKS}: the EL blocks of slots ${startSlot}..${endSlot} cannot be proven as one ${EVM_EE_STF.kind} task, which a CL STF proof needs: ${error.message}`,
          );
        },
      );
      const main = await submit(handle, context, backend);
      return { ...main, dependencies: [dependency] } satisfies ProveClBlocksResult;
    },
  };
}

async function submit(handle: ProverHandle, context: ProofContext, backend: Backend): Promise<SubmittedTask> {
  const { task, created } = await handle.submit(context, backend);
  return { id: task.id, created, task };
}
