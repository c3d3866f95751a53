import { DEVNET_CHAIN_ID, devnetChainConfig } from "@paas/evm";
import { EVM_EE_STF } from "@paas/rollup";
import type { ProverConfig } from "../config/schema.js";

type PluginSettings = ProverConfig["plugin_settings"];

/**
 * The plugin settings of a prover proving its embedded devnet: the EVM proofs run under the
 * devnet's EL rules. The evm-ee-stf plugin's default rules are the devnet's under its default
 * chain id, so with another `devnet.chain_id` every EVM proof failed for good ("transaction 0 is
 * for chain 5, but this plugin executes chain 1337"), and every checkpoint with it. A chain spec
 * the operator gave stays theirs; `kinds` are the loaded plugins' (no section for one not loaded).
 */
export function withDevnetChainSpec(
  settings: PluginSettings,
  chainId: number,
  kinds: readonly string[],
): PluginSettings {
  if (chainId === DEVNET_CHAIN_ID || !kinds.includes(EVM_EE_STF.kind)) return settings;
  const evm = settings[EVM_EE_STF.kind] ?? {};
  if (evm.chain_spec !== undefined || evm.chain_spec_file !== undefined) return settings;
  return { ...settings, [EVM_EE_STF.kind]: { ...evm, chain_spec: devnetChainConfig(chainId) } };
}
