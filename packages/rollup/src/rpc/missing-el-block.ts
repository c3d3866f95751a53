import { NotYetAvailableError, PermanentError, TransientError } from "@paas/core/contracts";
import type { ElClient } from "./el-client.js";

export interface MissingElBlockOptions {
  readonly signal: AbortSignal;
  /**
   * How far past the node's latest block a missing one is still waited for, and the setting that
   * says so (for the message). Without it, a block past the latest is waited for however far.
   */
  readonly horizon?: { readonly blocks: number; readonly setting: string };
  /** What needs the block, for the message: ", which the L2 block at slot 9 carries". */
  readonly neededBy?: string;
  readonly cause?: unknown;
}

/**
 * The error for a block the EL node does not have, decided from the node's latest block. Past the
 * latest, the node is behind: the task waits (without using up retries), unless the block is
 * further than the horizon, which fails for good. At or below the latest, the node does not serve
 * a block it should have (pruned, syncing, another chain): a transient failure, retried and
 * counted, so it cannot wait forever.
 */
export async function missingElBlockError(
  el: ElClient,
  number: number,
  options: MissingElBlockOptions,
): Promise<Error> {
  const latest = await el.blockNumber({ signal: options.signal });
  const neededBy = options.neededBy ?? "";
  const causeOption = options.cause === undefined ? undefined : { cause: options.cause };
  if (number <= latest) {
    return new TransientError(
      `the EL node does not serve block ${number} (its latest is ${latest})${neededBy}`,
      causeOption,
    );
  }
  const { horizon } = options;
  if (horizon === undefined || number <= latest + horizon.blocks) {
    return new NotYetAvailableError(
      `the EL node has no block ${number} yet (its latest is ${latest})${neededBy}: waiting for it`,
    );
  }
  return new PermanentError(
    `the EL node has no block ${number}${neededBy}, and it is more than ${horizon.blocks} blocks past its latest (${latest}) (${horizon.setting})`,
    causeOption,
  );
}
