import { PermanentError } from "@paas/core";

/**
 * The EL node's block at a number the context names is not the block the context names: the
 * chain reorganised after the task was submitted. Permanent: the context asks for blocks that are
 * no longer canonical; submit the range again with the new hashes.
 */
export class ReorgError extends PermanentError {
  constructor(
    readonly blockNumber: number,
    /** The hash the context names. */
    readonly expectedHash: string,
    /** The hash the node serves at that number. */
    readonly actualHash: string,
    /** Which end of the range: "start" or "end". */
    readonly end: "start" | "end",
  ) {
    super(
      `reorg: the EL node's block ${blockNumber} is ${actualHash}, not ${expectedHash} as the context's ` +
        `${end} says; the range is no longer canonical`,
    );
  }
}
