import type { Common } from "@ethereumjs/common";
import { chainSpecOf } from "../common.js";
import { EvmError } from "../errors.js";
import { rulesAt } from "./chain-spec.js";
import { LAST_EXECUTED_FORK, TIME_FORKS } from "./forks.js";

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

/** How many fields the header of each executed fork's blocks has: EIP-1559, 4895, 4844 with 4788, 7685 each add some. */
const HEADER_FIELDS: Readonly<Record<string, number>> = { paris: 16, shanghai: 17, cancun: 20, prague: 21 };

/**
 * Why a block may not decode under the fork the chain spec gives it: its header has the fields of
 * another executed fork, so the spec most likely schedules that fork elsewhere than the chain does
 * (a missing or mistyped `cancunTime`). The library's own words ("blob gas used can only be
 * provided with EIP4844 activated") read as an invalid block and send an operator looking at the
 * node instead of the config. Undefined when the header has its fork's fields, or no fork's.
 */
export function forkScheduleHint(
  common: Common,
  headerFields: number,
  blockNumber: bigint,
  timestamp: bigint,
): string | undefined {
  const spec = chainSpecOf(common);
  const rules = rulesAt(spec, blockNumber, timestamp);
  if (rules.kind !== "executed" || HEADER_FIELDS[rules.fork] === headerFields) return undefined;
  const looksLike = Object.keys(HEADER_FIELDS).find((fork) => HEADER_FIELDS[fork] === headerFields);
  if (looksLike === undefined) return undefined;
  const schedule = TIME_FORKS.filter(({ key }) => spec[key] !== undefined)
    .map(({ key }) => `${key} = ${spec[key]}`)
    .join(", ");
  return (
    `its header has the ${headerFields} fields of a ${looksLike} block, but the chain spec puts its ` +
    `timestamp ${timestamp} under ${rules.fork} (${schedule || "no fork after the merge"}): ` +
    "is the spec's fork schedule the chain's?"
  );
}

/** A refusal's words, with the schedule's hint after them when there is one. */
export function withScheduleHint(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message}; ${hint}`;
}
