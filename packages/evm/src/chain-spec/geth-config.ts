/**
 * Chain specs in the format of geth's (and reth's) genesis `config`: validated, checked for fork
 * names and order, and reduced to the `ChainSpec` this package applies. Pre-merge rules (proof of
 * work, ommers, the DAO fork) are out of scope: the pre-merge fork keys are accepted so that a
 * real chain's config reads as it is, checked for order, and not applied; every block before the
 * merge block is refused by the executor.
 */
import { z } from "zod";
import { EvmError } from "../errors.js";
import type { Hex } from "../hex.js";
import type { ChainSpec } from "./chain-spec.js";
import { BLOCK_FORKS, type BlockForkKey, TIME_FORKS, type TimeForkKey } from "./forks.js";

const activation = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
/** geth writes it as a JSON number (mainnet's exceeds 2^53), so a decimal or hex string is taken too. */
const totalDifficulty = z.union(
  [z.number().min(0), z.string().regex(/^(?:\d+|0x[0-9a-fA-F]+)$/), z.bigint().min(0n)],
  { error: "expected a non-negative integer, as a number or a decimal or 0x string" },
);

/** EIP-4844's and EIP-7691's blob parameters: the only ones the executed forks know. */
const STANDARD_BLOB_SCHEDULE = {
  cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
  prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
} as const;
const blobParams = z.strictObject({
  target: z.int().min(0),
  max: z.int().min(0),
  baseFeeUpdateFraction: z.int().min(1),
});

const ZERO_ADDRESS: Hex = `0x${"00".repeat(20)}`;

const forkKeys = Object.fromEntries([
  ...BLOCK_FORKS.map(({ key }) => [key, activation.optional()]),
  ...TIME_FORKS.map(({ key }) => [key, activation.optional()]),
]) as Record<BlockForkKey | TimeForkKey, z.ZodOptional<typeof activation>>;

/** geth's genesis `config`: every key this package knows, unknown ones refused. */
export const GethChainConfigSchema = z
  .strictObject({
    chainId: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
    ...forkKeys,
    daoForkSupport: z.boolean().optional(),
    terminalTotalDifficulty: totalDifficulty.optional(),
    terminalTotalDifficultyPassed: z.boolean().optional(),
    depositContractAddress: address.optional(),
    blobSchedule: z
      .strictObject({
        cancun: blobParams.optional(),
        prague: blobParams.optional(),
        osaka: blobParams.optional(),
        bpo1: blobParams.optional(),
        bpo2: blobParams.optional(),
        bpo3: blobParams.optional(),
        bpo4: blobParams.optional(),
        bpo5: blobParams.optional(),
        amsterdam: blobParams.optional(),
      })
      .optional(),
    /** Pre-merge consensus engines' settings: accepted, not applied. */
    ethash: z.strictObject({}).optional(),
    clique: z.looseObject({}).optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
    requireOrder(BLOCK_FORKS, config, "block", issue);
    requireOrder(TIME_FORKS, config, "timestamp", issue);
    const merge = mergeBlockOf(config);
    if (merge === undefined) {
      issue(
        "mergeForkBlock",
        "required unless terminalTotalDifficulty is 0: the number of the first proof-of-stake block " +
          "(a stateless prover cannot add up difficulty, and pre-merge rules are out of scope)",
      );
    } else {
      for (const { key } of BLOCK_FORKS) {
        const at = config[key];
        if (key !== "mergeForkBlock" && key !== "mergeNetsplitBlock" && at !== undefined && at > merge) {
          issue(
            key,
            `${key} = ${at} is after the merge (block ${merge}); pre-merge forks activate before it`,
          );
        }
      }
    }
    for (const [fork, standard] of Object.entries(STANDARD_BLOB_SCHEDULE)) {
      const given = config.blobSchedule?.[fork as keyof typeof STANDARD_BLOB_SCHEDULE];
      if (given !== undefined && JSON.stringify(given) !== JSON.stringify(standard)) {
        ctx.addIssue({
          code: "custom",
          path: ["blobSchedule", fork],
          message:
            `custom blob parameters are not supported: the spec gives ${JSON.stringify(given)}, ` +
            `${fork[0]!.toUpperCase()}${fork.slice(1)}'s own are ${JSON.stringify(standard)}, the only ones executed`,
        });
      }
    }
  })
  .transform((config): ChainSpec => {
    const spec: Record<string, number | string> = {
      chainId: config.chainId,
      mergeForkBlock: mergeBlockOf(config) ?? 0,
    };
    for (const { key } of TIME_FORKS) {
      const since = config[key];
      if (since !== undefined) spec[key] = since;
    }
    spec.depositContractAddress = (config.depositContractAddress ?? ZERO_ADDRESS).toLowerCase();
    return spec as ChainSpec;
  });

export type GethChainConfig = z.input<typeof GethChainConfigSchema>;

/** The merge block: 0 when the terminal total difficulty is 0, else the config's `mergeForkBlock`. */
function mergeBlockOf(config: {
  terminalTotalDifficulty?: unknown;
  mergeForkBlock?: number;
}): number | undefined {
  const ttd = config.terminalTotalDifficulty;
  const zero = ttd !== undefined && (typeof ttd === "bigint" ? ttd === 0n : Number(ttd) === 0);
  if (zero && (config.mergeForkBlock ?? 0) === 0) return 0;
  return config.mergeForkBlock;
}

/**
 * Forks activate in their order: a fork's value is not below an earlier fork's, and a post-merge
 * fork is scheduled only if every earlier one is, an optional one (BPO) aside (as geth's
 * `CheckConfigForkOrder` requires).
 */
function requireOrder(
  forks: readonly { readonly key: BlockForkKey | TimeForkKey; readonly optional?: boolean }[],
  config: Partial<Record<BlockForkKey | TimeForkKey, number>>,
  unit: "block" | "timestamp",
  issue: (key: string, message: string) => void,
): void {
  let previous: { key: string; at: number } | undefined;
  let missing: string | undefined;
  for (const { key, optional } of forks) {
    const at = config[key];
    if (at === undefined) {
      if (optional !== true) missing ??= key;
      continue;
    }
    if (unit === "timestamp" && missing !== undefined) {
      issue(key, `${key} is set but ${missing} is not: forks activate in order`);
    }
    if (previous !== undefined && at < previous.at) {
      issue(key, `${key} = ${at} is before ${previous.key} = ${previous.at}: forks activate in order`);
    }
    previous = { key, at };
  }
}

/** A clear error from a chain spec that does not parse: each problem with its key. */
export class ChainSpecError extends EvmError {
  constructor(
    /** Where the spec came from, e.g. "plugin_settings.evm-ee-stf.chain_spec". */
    where: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super("INVALID_CHAIN_SPEC", `${where}:\n${z.prettifyError(new z.ZodError([...issues]))}`);
  }
}

/** A geth genesis `config` (or a `ChainSpec`, which is one) as the `ChainSpec` it means. */
export function parseChainSpec(config: unknown, where = "chain spec"): ChainSpec {
  const parsed = GethChainConfigSchema.safeParse(config);
  if (!parsed.success) throw new ChainSpecError(where, parsed.error.issues);
  return parsed.data;
}
