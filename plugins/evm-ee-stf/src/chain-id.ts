/**
 * The chain id the EVM EE STF commits with its blocks (`EvmEeStfOutput.chainId`): the EL chain whose
 * rules the guest executed them under. Imported by the program module, so it stays free of
 * host-side imports and of @ethereumjs (the guest's worker never loads it).
 */
import type { ChainRules } from "@paas/evm/sync";

/**
 * The chain id of `{ kind: "fixture", network }` rules. @paas/evm's `createFixtureCommon` builds
 * its Common on Mainnet's chain parameters without overriding the chain id, so it is Mainnet's, 1,
 * for every fixture network (the Ethereum tests sign their transactions for chain 1). A test pins
 * this to the Common's own `chainId()`.
 */
export const FIXTURE_CHAIN_ID = 1;

/**
 * The chain id of the rules: a devnet's own, or `FIXTURE_CHAIN_ID` for a fixture network. Only the
 * chain id: the fork schedule is not in it (the devnet's is fixed, Prague from genesis, and fixture
 * networks all share chain 1), so it says which chain, and the program version says which rules.
 */
export function chainIdOf(rules: ChainRules): number {
  return rules.kind === "devnet" ? rules.chainId : FIXTURE_CHAIN_ID;
}
