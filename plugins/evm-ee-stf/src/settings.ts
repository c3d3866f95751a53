import { InvalidConfigError } from "@paas/core";
import type { ChainRules } from "@paas/evm";
import { EVM_EE_STF, MAX_EVM_BLOCKS_PER_PROOF } from "@paas/rollup";
import { z } from "zod";
import { describeIssues } from "./issues.js";

/** The devnet's chain id (@paas/devchain's default), used when the settings name no chain. */
export const DEFAULT_CHAIN_ID = 1337;
export const DEFAULT_MAX_BLOCKS = 64;
export const DEFAULT_FETCH_CONCURRENCY = 4;

/**
 * `[plugin_settings.evm-ee-stf]` in the prover client's config. Every field is optional.
 *
 * - `max_blocks`: the largest range one task may prove (submit-time refusal above it).
 * - `chain_id`: the EL's chain id; the blocks are executed with the devnet's rules (Prague from
 *   genesis) under this id. Default 1337, the devnet's.
 * - `network`: instead of `chain_id`, an Ethereum test network's rules by name (e.g. "Cancun"),
 *   as the Ethereum Foundation fixtures use them.
 * - `fetch_concurrency`: blocks fetched from the EL node at once.
 */
export const EvmEeStfSettingsSchema = z
  .strictObject({
    max_blocks: z.int().min(1).max(MAX_EVM_BLOCKS_PER_PROOF).default(DEFAULT_MAX_BLOCKS),
    chain_id: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    network: z.string().min(1).max(64).optional(),
    fetch_concurrency: z.int().min(1).max(64).default(DEFAULT_FETCH_CONCURRENCY),
  })
  .refine((s) => s.chain_id === undefined || s.network === undefined, {
    message: "set chain_id or network, not both",
    path: ["network"],
  });

export interface EvmEeStfSettings {
  readonly maxBlocks: number;
  readonly chain: ChainRules;
  readonly fetchConcurrency: number;
}

/** Validates the plugin's settings section; throws `InvalidConfigError` naming the field. */
export function parseSettings(raw: unknown): EvmEeStfSettings {
  const parsed = EvmEeStfSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new InvalidConfigError(
      `plugin_settings.${EVM_EE_STF.kind}: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const { max_blocks, chain_id, network, fetch_concurrency } = parsed.data;
  const chain: ChainRules =
    network !== undefined
      ? { kind: "fixture", network }
      : { kind: "devnet", chainId: chain_id ?? DEFAULT_CHAIN_ID };
  return { maxBlocks: max_blocks, chain, fetchConcurrency: fetch_concurrency };
}
