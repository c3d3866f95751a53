import { InvalidContextError } from "@paas/core";
import { type createCommon, EvmError, requireExecutedRules } from "@paas/evm";
import { type ElClient, EVM_EE_STF, type EvmEeStfContext, toHex } from "@paas/rollup";

type Common = ReturnType<typeof createCommon>;

export const HORIZON_SETTING = `plugin_settings.${EVM_EE_STF.kind}.horizon`;

/**
 * Refuses, before anything is stored, a range of a node serving another chain than the chain spec's
 * (the operator's config names the wrong chain: every task would fail after it was stored), a range
 * the EL node contradicts (its block at either end has another hash), whose blocks fall under rules this prover does not execute (before the merge, or a
 * fork after Prague: better said now than after every witness is fetched), or that ends more than
 * `horizon` blocks past its latest. A range ending on a block not produced yet but within reach is
 * accepted and waits for it. A node that does not answer is no reason to refuse: the task waits
 * for it like any other.
 */
export async function admitElRange(
  el: ElClient,
  context: EvmEeStfContext,
  horizon: number,
  common: Common,
  signal: AbortSignal,
): Promise<void> {
  try {
    const chainId = await el.chainId({ signal });
    if (BigInt(chainId) !== common.chainId()) {
      throw new InvalidContextError(
        `invalid ${EVM_EE_STF.kind} context: the EL node serves chain ${chainId}, but this plugin executes chain ${common.chainId()}; set plugin_settings.${EVM_EE_STF.kind}.chain_spec to the EL's chain spec`,
      );
    }
    for (const [field, ref] of [
      ["start", context.start],
      ["end", context.end],
    ] as const) {
      const block = await el.getBlockByNumber(ref.number, false, { signal });
      if (block === null) {
        // Not produced yet: the whole range must be within reach, so the horizon bounds its end.
        const latest = await el.blockNumber({ signal });
        if (context.end.number > latest + horizon) {
          throw new InvalidContextError(
            `invalid ${EVM_EE_STF.kind} context: end.number: block ${context.end.number} is more than ${horizon} blocks past the EL node's latest (${latest}): it will not exist soon enough to wait for (${HORIZON_SETTING})`,
          );
        }
        return;
      }
      const hash = toHex(block.hash);
      if (hash !== ref.hash) {
        throw new InvalidContextError(
          `invalid ${EVM_EE_STF.kind} context: ${field}.hash: the EL node's block ${ref.number} is ${hash}, not ${ref.hash}`,
        );
      }
      requireRulesExecuted(common, field, ref.number, block.json.timestamp);
    }
  } catch (error) {
    if (error instanceof InvalidContextError) throw error;
  }
}

/** A block under rules this prover does not execute is refused; a timestamp it cannot read, not. */
function requireRulesExecuted(common: Common, field: string, number: number, timestamp: unknown): void {
  if (typeof timestamp !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(timestamp)) return;
  try {
    requireExecutedRules(common, BigInt(number), BigInt(timestamp));
  } catch (error) {
    if (!(error instanceof EvmError)) throw error;
    throw new InvalidContextError(`invalid ${EVM_EE_STF.kind} context: ${field}.number: ${error.message}`);
  }
}
