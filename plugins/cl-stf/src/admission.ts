import {
  errorMessage,
  InvalidContextError,
  NotYetAvailableError,
  PermanentError,
  TransientError,
} from "@paas/core";
import {
  blockIdOf,
  type Chainstate,
  type ClClient,
  type ClStfContext,
  epochRange,
  isClNotFound,
  type RollupParams,
  type SignedL2Block,
  toHex,
} from "@paas/rollup";

/**
 * The end of the epoch `epochs` epochs after the CL's latest checkpoint `latest` (the last closed
 * epoch): with 0, the last slot the CL has surely produced; with the horizon, the last slot worth
 * waiting for.
 */
function slotAfter(latest: number | null, epochs: number, params: RollupParams): number {
  // Before the first epoch closes, 0 epochs on reach no epoch at all: only genesis.
  const epoch = (latest ?? -1) + epochs;
  return epoch < 0 ? 0 : epochRange(epoch, params).end;
}

async function reachableSlot(
  cl: ClClient,
  params: RollupParams,
  horizon: number,
  signal: AbortSignal,
): Promise<number> {
  return slotAfter(await cl.getLatestCheckpointIndex({ signal }), horizon, params);
}

/**
 * Refuses, before anything is stored, a range the CL contradicts (its block at either end has
 * another id) or that ends more than `horizon` epochs after the CL's last closed epoch. A range
 * not produced yet but within reach is accepted and waits. A CL that does not answer is no reason
 * to refuse: the task waits for it like any other.
 */
export async function admitClRange(
  cl: ClClient,
  context: ClStfContext,
  horizon: number,
  signal: AbortSignal,
): Promise<void> {
  try {
    const params = await cl.getRollupParams({ signal });
    for (const [field, ref] of [
      ["start", context.start],
      ["end", context.end],
    ] as const) {
      const block = await blockAt(cl, ref.slot, signal);
      if (block === undefined) {
        // Not produced yet: the whole range must be within reach, so the horizon bounds its end.
        const reachable = await reachableSlot(cl, params, horizon, signal);
        if (context.end.slot > reachable) {
          throw new InvalidContextError(
            `invalid cl-stf context: end.slot: slot ${context.end.slot} is beyond slot ${reachable}, the end of the epoch ${horizon} after the CL's last closed one: it will not exist soon enough to wait for (plugin_settings.cl-stf.horizon)`,
          );
        }
        return;
      }
      const id = toHex(blockIdOf(block.header));
      if (id !== ref.blockId) {
        throw new InvalidContextError(
          `invalid cl-stf context: ${field}.blockId: the CL's block at slot ${ref.slot} is ${id}, not ${ref.blockId}`,
        );
      }
    }
  } catch (error) {
    if (error instanceof InvalidContextError) throw error;
  }
}

/** The CL's block at `slot`, or undefined when it has none (yet). */
async function blockAt(cl: ClClient, slot: number, signal: AbortSignal): Promise<SignedL2Block | undefined> {
  try {
    const [block] = await cl.getBlocksInRange(slot, slot, { signal });
    return block;
  } catch (error) {
    if (isClNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The CL's blocks of a range. While the CL does not have them, a range within the horizon waits
 * for them (without using up retries); one beyond it fails. A range of an epoch the CL has closed
 * it has had: not served, it is lost (pruned, a gap), and retried with the retries counted.
 */
export function blocksInRange(
  cl: ClClient,
  context: ClStfContext,
  params: RollupParams,
  horizon: number,
  signal: AbortSignal,
): Promise<SignedL2Block[]> {
  const { start, end } = context;
  return readFromCl(
    () => cl.getBlocksInRange(start.slot, end.slot, { signal }),
    {
      served: `blocks of slots ${start.slot}..${end.slot}`,
      missing: `blocks for slots ${start.slot}..${end.slot}`,
      plural: true,
      slot: end.slot,
    },
    { cl, params, horizon, signal },
  );
}

/**
 * The CL's chainstate at `slot`, classified as `blocksInRange` classifies blocks. It is a call of
 * its own, which a replica behind the one that served the blocks after it may answer.
 */
export function chainstateAt(
  cl: ClClient,
  slot: number,
  params: RollupParams,
  horizon: number,
  signal: AbortSignal,
): Promise<Chainstate> {
  return readFromCl(
    () => cl.getChainstate(slot, { signal }),
    { served: `chainstate at slot ${slot}`, missing: `chainstate at slot ${slot}`, plural: false, slot },
    { cl, params, horizon, signal },
  );
}

interface Wanted {
  /** What the CL does not serve: "blocks of slots 9..16", "chainstate at slot 8". */
  readonly served: string;
  /** What the CL has none of: "blocks for slots 9..16", "chainstate at slot 8". */
  readonly missing: string;
  readonly plural: boolean;
  /** The last slot it needs the CL to have reached. */
  readonly slot: number;
}

/** `read`, with the CL's "not found" classified by where `wanted.slot` is against the CL's epochs. */
async function readFromCl<T>(
  read: () => Promise<T>,
  wanted: Wanted,
  reach: { cl: ClClient; params: RollupParams; horizon: number; signal: AbortSignal },
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isClNotFound(error)) throw error;
    const { served, missing, plural, slot } = wanted;
    const latest = await reach.cl.getLatestCheckpointIndex({ signal: reach.signal });
    if (slot <= slotAfter(latest, 0, reach.params)) {
      throw new TransientError(
        `the CL does not serve the ${served}, though ${plural ? "their" : "its"} epoch has closed (its latest checkpoint is ${latest}): ${errorMessage(error)}`,
        { cause: error },
      );
    }
    const reachable = slotAfter(latest, reach.horizon, reach.params);
    if (slot <= reachable) {
      throw new NotYetAvailableError(`the CL has no ${missing} yet: waiting for ${plural ? "them" : "it"}`);
    }
    throw new PermanentError(
      `the CL has no ${missing}, and slot ${slot} is beyond slot ${reachable} (plugin_settings.cl-stf.horizon)`,
    );
  }
}
