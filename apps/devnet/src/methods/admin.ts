import type { DevChain } from "@paas/devchain";
import { defineMethod, type MethodRegistry } from "@paas/jsonrpc";
import { z } from "zod";
import type { FaultSwitches } from "../faults.js";

const scope = z.enum(["all", "cl", "el"]).optional();
const MAX_PRODUCE = 10_000;

/**
 * `devnet_*`: control of a devnet running in another process (faults, production). Never subject
 * to the fault switches themselves, so a test can always turn them off.
 */
export function adminMethods(chain: DevChain, faults: FaultSwitches): MethodRegistry {
  const status = () => ({
    slot: chain.latestSlot,
    epoch: chain.producedBlocks.at(-1)?.epoch ?? 0,
    elBlockNumber: chain.blockNumber,
    latestCheckpointIndex: chain.latestCheckpointIndex,
    nextUnprovenCheckpointIndex: chain.nextUnprovenCheckpointIndex,
    producing: chain.isRunning,
    ...(chain.haltedBecause !== undefined && { halted: chain.haltedBecause }),
    faults: faults.state,
  });
  return {
    devnet_status: defineMethod({ params: z.tuple([]), handler: status }),
    devnet_produceBlocks: defineMethod({
      params: z.tuple([z.int().min(1).max(MAX_PRODUCE)]),
      mutates: true,
      handler: async ([count], { signal }) => {
        // One at a time, dropping each: produceBlocks would hold every block as built until the end.
        // A block settles in microtasks alone (in-memory state), so each is followed by a turn of
        // the event loop: the EL and CL answer meanwhile. The batch ends early when the call is
        // aborted or the chain halts (closed at a stop, or a block it could not store): the status
        // answered says why.
        for (let i = 0; i < count && !signal.aborted && chain.haltedBecause === undefined; i++) {
          await chain.produceBlock().catch((error: unknown) => {
            if (chain.haltedBecause === undefined) throw error;
          });
          await new Promise((resolve) => setImmediate(resolve));
        }
        return status();
      },
    }),
    devnet_pauseCl: defineMethod({
      params: z.tuple([]),
      mutates: true,
      handler: () => {
        faults.pauseCl();
        return faults.state;
      },
    }),
    devnet_resumeCl: defineMethod({
      params: z.tuple([]),
      mutates: true,
      handler: () => {
        faults.resumeCl();
        return faults.state;
      },
    }),
    devnet_failNext: defineMethod({
      params: z.tuple([z.int().min(0).max(1_000_000), scope]),
      mutates: true,
      handler: ([count, where]) => {
        faults.failNext(count, where);
        return faults.state;
      },
    }),
    devnet_setDelay: defineMethod({
      params: z.tuple([z.int().min(0).max(600_000), scope]),
      mutates: true,
      handler: ([ms, where]) => {
        faults.setDelay(ms, where);
        return faults.state;
      },
    }),
    devnet_clearFaults: defineMethod({
      params: z.tuple([]),
      mutates: true,
      handler: () => {
        faults.clear();
        return faults.state;
      },
    }),
  };
}
