import { PermanentError, parseContextWith } from "@paas/core";
import {
  CHECKPOINT,
  type CheckpointContext,
  CheckpointContextSchema,
  CL_STF,
  type ClClient,
  type ClStfContext,
  type L2Range,
  ReorgError,
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
  const ids = await blockIdsAt(cl, index, pieces, signal);
  const ref = (slot: number) => ({ slot, blockId: ids.get(slot) as ClStfContext["start"]["blockId"] });
  return pieces.map((p) => ({ kind: CL_STF.kind, start: ref(p.start), end: ref(p.end) }));
}

/**
 * Requires the CL's blocks at the ends of each CL STF dependency to be the ones its context names.
 * The CL reorganised since the checkpoint's dependencies were resolved otherwise: their proofs are
 * of blocks no longer canonical, and the checkpoint made of them would be a transition the CL
 * rejects; stored, its resubmissions published it again and again, never proving the new chain's.
 * A `ReorgError`, permanent: a resubmission (the runner's, or an operator's) resolves the
 * checkpoint's dependencies again, from the new chain.
 */
export async function requireCanonicalDependencies(
  cl: ClClient,
  index: number,
  dependencies: readonly ClStfContext[],
  signal: AbortSignal,
): Promise<void> {
  const ranges = dependencies.map((d) => ({ start: d.start.slot, end: d.end.slot }));
  const ids = await blockIdsAt(cl, index, ranges, signal);
  for (const dependency of dependencies) {
    for (const field of ["start", "end"] as const) {
      const ref = dependency[field];
      const id = ids.get(ref.slot)!;
      if (id === ref.blockId) continue;
      const where = `checkpoint ${index}: ${CL_STF.kind} slots ${dependency.start.slot}..${dependency.end.slot}`;
      throw new ReorgError("CL", field, { at: ref.slot, id: ref.blockId }, { at: ref.slot, id }, where);
    }
  }
}

/**
 * The CL's block ids at the ends of `ranges`, read from the chainstates at those slots
 * (`cl_getChainstate`, whose tip is the block at that slot): one call per distinct slot, in parallel.
 */
async function blockIdsAt(
  cl: ClClient,
  index: number,
  ranges: readonly L2Range[],
  signal: AbortSignal,
): Promise<Map<number, string>> {
  const slots = [...new Set(ranges.flatMap((r) => [r.start, r.end]))];
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
  return ids;
}
