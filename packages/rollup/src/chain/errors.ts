import { PermanentError } from "@paas/core/contracts";

/** The checks `applyBlock` runs, in the order it runs them. */
export type BlockCheck =
  /** BIP340 signature by the sequencer key over the block's signing message. */
  | "SIGNATURE"
  /** The parent id is the chainstate tip's block id. */
  | "PARENT"
  /** The slot is the tip's slot + 1: no skipped or repeated slots. */
  | "SLOT"
  /** The epoch is `epochOfSlot(slot)`. */
  | "EPOCH"
  /** The header's body root is the body's hash tree root. */
  | "BODY_ROOT"
  /** The exec segment is the next EL block: number = exec tip + 1, and the proven block's parent is the exec tip. */
  | "EXEC_CONTINUITY"
  /** The exec segment equals the proven EVM block (number, hash, state root). */
  | "EXEC_SEGMENT"
  /** The header's state root commits to the chainstate the block produces. */
  | "STATE_ROOT";

/**
 * A block that breaks a chain rule. Permanent: the same block against the same chainstate fails the
 * same way forever. `check` says which rule, for callers that branch on it.
 */
export class BlockRejectedError extends PermanentError {
  constructor(
    readonly slot: number,
    readonly check: BlockCheck,
    detail: string,
  ) {
    super(`block at slot ${slot} rejected by the ${check} check: ${detail}`);
  }
}

/** The checks on a range of blocks (one CL STF proof) or of CL STF outputs (one checkpoint). */
export type RangeCheck =
  /** Nothing to apply or aggregate. */
  | "EMPTY"
  /** Everything must belong to the one epoch the output names. */
  | "EPOCH"
  /** Every CL STF output joined into one checkpoint was proven under the same rollup params (`paramsRoot`). */
  | "PARAMS"
  /** The parts must cover the whole range, from its first slot to its last. */
  | "COVERAGE"
  /** Each part starts where the previous one ended: next slot, same chainstate root. */
  | "CONTINUITY";

export class RangeRejectedError extends PermanentError {
  constructor(
    readonly check: RangeCheck,
    detail: string,
  ) {
    super(`range rejected by the ${check} check: ${detail}`);
  }
}

/** A block as a context names it: its EL block number or CL slot, and its hash (EL) or block id (CL). */
export interface NamedBlock {
  readonly at: number;
  readonly id: string;
}

/**
 * The node serves another block where a context names one: the chain was reorganised after the
 * context was made (or the context is wrong). Permanent: the context asks for blocks that are no
 * longer canonical; submit the range again with the new hashes. One class for both layers, so
 * callers catch a reorg the same way whichever plugin found it.
 */
export class ReorgError extends PermanentError {
  constructor(
    readonly layer: "EL" | "CL",
    /** Which end of the context's range. */
    readonly end: "start" | "end",
    /** The block the context names. */
    readonly expected: NamedBlock,
    /** The block the node serves in its place. */
    readonly actual: NamedBlock,
    /** Whose context it is, when not the failing task's own (a dependency's): the message starts with it. */
    where?: string,
  ) {
    const place = (at: number) => (layer === "EL" ? `block ${at}` : `slot ${at}`);
    const elsewhere = expected.at === actual.at ? "" : ` at ${place(expected.at)}`;
    super(
      `${where === undefined ? "" : `${where}: `}reorg: the ${layer} node's ${layer === "EL" ? "" : "block at "}${place(actual.at)} is ${actual.id}, ` +
        `not ${expected.id}${elsewhere} as the context's ${end} says; the range is no longer canonical`,
    );
  }
}
