import { readFileSync } from "node:fs";
import path from "node:path";
import { InvalidConfigError, parsePluginSettings, retiredSetting } from "@paas/core";
import {
  CHAIN_SPEC_PRESET_NAMES,
  type ChainSpec,
  ChainSpecError,
  type ChainSpecPreset,
  GethChainConfigSchema,
  LAST_EXECUTED_FORK,
  parseChainSpec,
  presetChainSpec,
  rulesAt,
} from "@paas/evm";
import { EVM_EE_STF, MAX_EVM_BLOCKS_PER_PROOF } from "@paas/rollup";
import { z } from "zod";

export const DEFAULT_CHAIN_SPEC: ChainSpecPreset = "devnet";
export const DEFAULT_MAX_BLOCKS = 64;
export const DEFAULT_FETCH_CONCURRENCY = 4;
export const DEFAULT_HORIZON = 64;
export const DEFAULT_MAX_INPUT_MB = 2_048;

const SECTION = `plugin_settings.${EVM_EE_STF.kind}`;

const CHAIN_SPEC_HINT =
  `chain_spec = "mainnet" (a preset: ${CHAIN_SPEC_PRESET_NAMES.join(", ")}), an inline table in geth's ` +
  "genesis config format, or chain_spec_file";

/**
 * A preset's name, or a geth config whose own problems are reported at their keys
 * (`chain_spec.cancunTime`): a union would report only that neither form matched.
 */
const chainSpecSetting = z.unknown().transform((value, ctx): ChainSpecPreset | ChainSpec => {
  if (typeof value === "string") {
    if ((CHAIN_SPEC_PRESET_NAMES as readonly string[]).includes(value)) return value as ChainSpecPreset;
    ctx.addIssue({ code: "custom", message: `unknown preset "${value}"; expected ${CHAIN_SPEC_HINT}` });
    return z.NEVER;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `expected ${CHAIN_SPEC_HINT}` });
    return z.NEVER;
  }
  const parsed = GethChainConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

/**
 * `[plugin_settings.evm-ee-stf]` in the prover client's config. Every field is optional.
 *
 * - `chain_spec`: the EL's rules: a preset name (`mainnet`, `sepolia`, `holesky`, `hoodi`, `devnet`)
 *   or a table in the format of geth's genesis `config` (`chainId`, `terminalTotalDifficulty`,
 *   `mergeForkBlock`, `shanghaiTime`, `cancunTime`, `pragueTime`, …). Default `devnet`.
 * - `chain_spec_file`: instead, a JSON file: a geth genesis file (its `config`) or a bare config.
 * - `max_blocks`: the largest range one task may prove (submit-time refusal above it).
 * - `fetch_concurrency`: blocks fetched from the EL node at once.
 * - `horizon`: how many blocks past the EL node's latest a submitted range may end (default 64): a
 *   range within it is accepted and waits for its blocks; one beyond is refused at submit.
 * - `max_input_mb`: the most a range's blocks and witnesses may weigh together: each witness is
 *   capped on its own (@paas/evm's limits), this caps what a node can make one task hold.
 */
export const EvmEeStfSettingsSchema = z
  .strictObject({
    max_blocks: z.int().min(1).max(MAX_EVM_BLOCKS_PER_PROOF).default(DEFAULT_MAX_BLOCKS),
    chain_spec: chainSpecSetting.optional(),
    chain_spec_file: z.string().min(1).optional(),
    fetch_concurrency: z.int().min(1).max(64).default(DEFAULT_FETCH_CONCURRENCY),
    horizon: z.int().min(0).max(1_000_000).default(DEFAULT_HORIZON),
    max_input_mb: z.int().min(1).max(1_048_576).default(DEFAULT_MAX_INPUT_MB),
    chain_id: retiredSetting(`the chain id is the chain spec's chainId; set ${CHAIN_SPEC_HINT}`),
    network: retiredSetting(`set ${CHAIN_SPEC_HINT}`),
  })
  .refine((s) => s.chain_spec === undefined || s.chain_spec_file === undefined, {
    message: "set chain_spec or chain_spec_file, not both",
    path: ["chain_spec_file"],
  });

export interface EvmEeStfSettings {
  readonly maxBlocks: number;
  /** The rules the blocks are executed under. */
  readonly chainSpec: ChainSpec;
  /** Where the spec came from: a preset's name, "inline" or the file. */
  readonly chainSpecSource: string;
  readonly fetchConcurrency: number;
  readonly horizon: number;
  /** `max_input_mb` in bytes. */
  readonly maxInputBytes: number;
}

/**
 * Validates the plugin's settings section; throws `InvalidConfigError` naming the key (e.g.
 * `→ at chain_spec.cancunTime`).
 */
export function parseEvmEeStfSettings(raw: unknown): EvmEeStfSettings {
  const { max_blocks, chain_spec, chain_spec_file, fetch_concurrency, horizon, max_input_mb } =
    parsePluginSettings(EVM_EE_STF.kind, EvmEeStfSettingsSchema, raw);
  const { chainSpec, chainSpecSource } =
    chain_spec_file !== undefined
      ? { chainSpec: readChainSpecFile(chain_spec_file), chainSpecSource: path.resolve(chain_spec_file) }
      : typeof chain_spec === "object"
        ? { chainSpec: chain_spec, chainSpecSource: "inline" }
        : {
            chainSpec: presetChainSpec(chain_spec ?? DEFAULT_CHAIN_SPEC),
            chainSpecSource: chain_spec ?? DEFAULT_CHAIN_SPEC,
          };
  requireSomeBlockExecuted(
    chainSpec,
    chain_spec_file !== undefined ? `chain_spec_file (${chainSpecSource})` : "chain_spec",
  );
  return {
    maxBlocks: max_blocks,
    chainSpec,
    chainSpecSource,
    fetchConcurrency: fetch_concurrency,
    horizon,
    maxInputBytes: max_input_mb * 1024 * 1024,
  };
}

/**
 * A spec that puts every block under a fork this prover does not execute (one after Prague from
 * timestamp 0, as a new devnet's genesis schedules Osaka) is refused at launch. Blocks are refused
 * by their own fork, since a real chain's schedule goes on past Prague; but under this one the
 * service would start, refuse every range submitted, and fail every CL STF dependency (which is not
 * admitted) only after fetching its witnesses.
 */
function requireSomeBlockExecuted(spec: ChainSpec, key: string): void {
  const rules = rulesAt(spec, BigInt(spec.mergeForkBlock), 0n);
  if (rules.kind !== "unsupported") return;
  throw new InvalidConfigError(
    `${SECTION}.${key}: ${rules.key} = ${rules.since} puts every block of the chain under ${rules.fork}, ` +
      `which is not executed (the rules executed end with ${LAST_EXECUTED_FORK}): no block could be proven`,
  );
}

/** A geth genesis file's `config`, or a bare config, from a JSON file. */
function readChainSpecFile(file: string): ChainSpec {
  const where = `${SECTION}.chain_spec_file (${path.resolve(file)})`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidConfigError(
      `${where}: not a readable JSON file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const config = typeof json === "object" && json !== null && "config" in json ? json.config : json;
  try {
    return parseChainSpec(config, where);
  } catch (error) {
    if (error instanceof ChainSpecError) throw new InvalidConfigError(error.message);
    throw error;
  }
}
