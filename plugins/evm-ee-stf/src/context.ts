import { InvalidContextError, parseContextWith } from "@paas/core";
import { EVM_EE_STF, type EvmEeStfContext, EvmEeStfContextSchema } from "@paas/rollup";

/** Blocks in a context's range (inclusive). */
export function rangeLength(context: EvmEeStfContext): number {
  return context.end.number - context.start.number + 1;
}

/**
 * Validates a context with the rollup's schema (hashes lower-cased: the canonical form), the
 * plugin's range cap and the chain spec's merge block. Throws `InvalidContextError` naming the field.
 *
 * A range starting before the merge is refused by its number alone: admission asks the node, which
 * may not answer or not have the blocks yet (a chain that merges later), and a range admitted then
 * waited for its blocks and fetched every witness only for the program to refuse its first block.
 */
export function parseEvmEeStfContext(raw: unknown, maxBlocks: number, mergeForkBlock = 0): EvmEeStfContext {
  const context = parseContextWith(EVM_EE_STF.kind, EvmEeStfContextSchema, raw);
  if (context.start.number === 0) {
    throw new InvalidContextError(
      `invalid ${EVM_EE_STF.kind} context: start.number: block 0 is the genesis block, which has no parent to execute from; start at 1`,
    );
  }
  if (context.start.number < mergeForkBlock) {
    throw new InvalidContextError(
      `invalid ${EVM_EE_STF.kind} context: start.number: block ${context.start.number} is before the merge ` +
        `(the chain spec's mergeForkBlock is ${mergeForkBlock}); pre-merge rules are out of scope: start at block ${mergeForkBlock} or later`,
    );
  }
  const length = rangeLength(context);
  if (length > maxBlocks) {
    throw new InvalidContextError(
      `invalid ${EVM_EE_STF.kind} context: blocks ${context.start.number}..${context.end.number} are ` +
        `${length} blocks, more than max_blocks = ${maxBlocks}: split the range, or raise ` +
        `plugin_settings.${EVM_EE_STF.kind}.max_blocks (a CL STF proof needs one range of all its epoch's EL blocks)`,
    );
  }
  return context;
}
