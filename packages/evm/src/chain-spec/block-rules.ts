import type { Common } from "@ethereumjs/common";
import { chainSpecOf } from "../common.js";
import { EvmError } from "../errors.js";
import { rulesAt } from "./chain-spec.js";
import { LAST_EXECUTED_FORK } from "./forks.js";

/**
 * Refuses a block whose number and timestamp fall outside the rules this package executes: before
 * the merge (pre-merge rules are out of scope), or at or after a fork later than Prague that the
 * spec schedules. Executing such a block under Prague's rules would prove a transition the chain
 * does not make.
 */
export function requireExecutedRules(common: Common, blockNumber: bigint, timestamp: bigint): void {
  const rules = rulesAt(chainSpecOf(common), blockNumber, timestamp);
  if (rules.kind === "pre-merge") {
    throw new EvmError(
      "UNSUPPORTED_RULES",
      `block ${blockNumber}: it is before the merge (the chain spec's mergeForkBlock is ${rules.mergeForkBlock}); pre-merge rules are out of scope`,
      { blockNumber },
    );
  }
  if (rules.kind === "unsupported") {
    throw new EvmError(
      "UNSUPPORTED_RULES",
      `block ${blockNumber}: its timestamp ${timestamp} is at or after ${rules.key} = ${rules.since}; ` +
        `${rules.fork} is not executed (the rules executed end with ${LAST_EXECUTED_FORK})`,
      { blockNumber },
    );
  }
}

/** A copy of the chain's Common set to the fork of the block with this number and timestamp. */
export function commonForBlock(common: Common, blockNumber: bigint, timestamp: bigint): Common {
  const copy = common.copy();
  copy.setHardforkBy({ blockNumber, timestamp });
  return copy;
}
