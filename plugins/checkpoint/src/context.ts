import { PermanentError, parseContextWith } from "@paas/core";
import {
  CHECKPOINT,
  type CheckpointContext,
  CheckpointContextSchema,
  CL_STF,
  type ClClient,
  type ClStfContext,
  type L2Range,
  toHex,
} from "@paas/rollup";
import { checkpointInfo } from "./admission.js";
import { MAX_CL_STF_RECEIPTS } from "./program.js";

/** Validates a checkpoint context with the rollup's schema; throws `InvalidContextError` naming the field. */
export function parseCheckpointContext(raw: unknown): CheckpointContext {
  return parseContextWith(CHECKPOINT.kind, CheckpointContextSchema, raw);
}

/** The checkpoint context of `index`. */
export function checkpointContext(index: number): CheckpointContext {
  return { kind: CHECKPOINT.kind, index };
}

/**
 * Consecutive slot ranges covering `range` exactly: the whole range when `maxSlots` is undefined,
 * else pieces of `maxSlots` slots (the last one shorter).
 */
export function splitRange(range: L2Range, maxSlots: number | undefined): L2Range[] {
  if (maxSlots === undefined) return [{ start: range.start, end: range.end }];
  const pieces: L2Range[] = [];
  for (let start = range.start; start <= range.end; start += maxSlots) {
    pieces.push({ start, end: Math.min(range.end, start + maxSlots - 1) });
  }
  return pieces;
}

/**
 * The CL STF contexts a checkpoint depends on, in slot order: its L2 range from
 * `cl_getCheckpointInfo(index)` (waiting while the CL does not have it yet: see `checkpointInfo`),
 * split by `cl_stf_max_slots` (see `splitRange`), each piece named by the
 * block ids at its ends, read from the chainstates at those slots (`cl_getChainstate`, whose tip is
 * the block at that slot). One call for the info, then one per distinct end slot, in parallel.
 */
export async function clStfDependencies(
  cl: ClClient,
  index: number,
  settings: { readonly clStfMaxSlots: number | undefined; readonly horizon: number },
  signal: AbortSignal,
): Promise<ClStfContext[]> {
  const maxSlots = settings.clStfMaxSlots;
  const batch = await checkpointInfo(cl, index, settings.horizon, signal);
  const pieces = splitRange(batch.l2Range, maxSlots);
  if (pieces.length > MAX_CL_STF_RECEIPTS) {
    throw new PermanentError(
      `checkpoint ${index}: slots ${batch.l2Range.start}..${batch.l2Range.end} in CL STF proofs of at most ${maxSlots} slots are ${pieces.length} proofs, more than the ${MAX_CL_STF_RECEIPTS} one checkpoint aggregates; raise cl_stf_max_slots`,
    );
  }
  const slots = [...new Set(pieces.flatMap((p) => [p.start, p.end]))];
  const ids = new Map<number, string>();
  await Promise.all(
    slots.map(async (slot) => {
      const chainstate = await cl.getChainstate(slot, { signal });
      if (chainstate.tip.slot !== slot) {
        throw new PermanentError(
          `checkpoint ${index}: the CL's chainstate at slot ${slot} has its tip at slot ${chainstate.tip.slot}`,
        );
      }
      ids.set(slot, toHex(chainstate.tip.blockId));
    }),
  );
  const ref = (slot: number) => ({ slot, blockId: ids.get(slot) as ClStfContext["start"]["blockId"] });
  return pieces.map((p) => ({ kind: CL_STF.kind, start: ref(p.start), end: ref(p.end) }));
}
