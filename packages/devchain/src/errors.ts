import { PermanentError } from "@paas/core";

/**
 * Something asked of the chain that does not exist (yet): a slot past the tip, a checkpoint whose
 * epoch has not closed, an unknown EL block. `what` names it ("slot 12", "checkpoint 3"); the
 * message is "`what` not found", then why when there is more to say. The devnet answers it with the
 * CL's NOT_FOUND code.
 */
export class DevChainNotFoundError extends PermanentError {
  constructor(
    readonly what: string,
    /** Why it is not there, when that is more than "does not exist". */
    readonly reason?: string,
  ) {
    super(reason === undefined ? `${what} not found` : `${what} not found: ${reason}`);
  }
}

/**
 * The execution witness of an EL block older than the chain's `retainBlocks` newest: it existed and
 * was dropped, so asking again cannot help (a not-found, permanent for a prover).
 */
export class DevChainPrunedError extends DevChainNotFoundError {
  constructor(
    readonly blockNumber: number,
    readonly retainBlocks: number,
  ) {
    super(
      `execution witness of EL block ${blockNumber}`,
      `pruned, this chain keeps the witnesses of its last ${retainBlocks} blocks`,
    );
  }
}
