import { InvalidParamsError } from "@paas/core";
import { type DevChain, DevChainNotFoundError } from "@paas/devchain";
import type { MethodRegistry } from "@paas/jsonrpc";
import { CL_MAX_BLOCKS_PER_CALL, clNotFound, defineClMethod, invalidCheckpointProof } from "@paas/rollup";

/** Most slots one `cl_getBlocksInRange` answers (the protocol's bound); a wider range is refused as invalid params. */
export const MAX_BLOCKS_PER_RANGE = CL_MAX_BLOCKS_PER_CALL;

/** The devchain's not-found becomes the CL's NOT_FOUND error, naming what was asked for. */
function translated<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof DevChainNotFoundError) throw clNotFound(error.what);
    throw error;
  }
}

/** The CL namespace, served with @paas/rollup's `CL_RPC` schemas (`defineClMethod`), as `ClClient` reads it. */
export function clMethods(chain: DevChain): MethodRegistry {
  return {
    cl_getRollupParams: defineClMethod("cl_getRollupParams", () => chain.params),
    cl_getLatestCheckpointIndex: defineClMethod(
      "cl_getLatestCheckpointIndex",
      () => chain.latestCheckpointIndex,
    ),
    cl_getNextUnprovenCheckpointIndex: defineClMethod(
      "cl_getNextUnprovenCheckpointIndex",
      () => chain.nextUnprovenCheckpointIndex,
    ),
    cl_getCheckpointInfo: defineClMethod("cl_getCheckpointInfo", ([index]) =>
      translated(() => chain.getCheckpointInfo(index)),
    ),
    cl_getBlocksInRange: defineClMethod("cl_getBlocksInRange", ([start, end]) => {
      if (end - start + 1 > MAX_BLOCKS_PER_RANGE) {
        throw new InvalidParamsError(
          `slots ${start}..${end} are ${end - start + 1} blocks; ask for at most ${MAX_BLOCKS_PER_RANGE} at once`,
        );
      }
      return translated(() => chain.getBlocksInRange(start, end));
    }),
    cl_getChainstate: defineClMethod("cl_getChainstate", ([slot]) =>
      translated(() => chain.getChainstate(slot)),
    ),
    cl_submitCheckpointProof: defineClMethod("cl_submitCheckpointProof", ([index, receipt]) => {
      const result = translated(() => chain.submitCheckpointProof(index, receipt));
      if (result.outcome === "rejected") throw invalidCheckpointProof(index, result.reason);
      return { index, outcome: result.outcome };
    }),
    cl_getCheckpointStatus: defineClMethod("cl_getCheckpointStatus", ([index]) => {
      const { status } = translated(() => chain.getCheckpointStatus(index));
      return { index, status };
    }),
  };
}
