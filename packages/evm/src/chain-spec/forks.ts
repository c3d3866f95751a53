/**
 * The forks a chain spec schedules, by their key in geth's genesis `config` (the names
 * @ethereumjs/common's geth-genesis parser maps to its hardforks), in activation order. A test
 * holds this order to @ethereumjs's own (`Mainnet.hardforks`).
 */

/** Forks activated by block number: every fork up to the merge. */
export const BLOCK_FORKS = [
  { key: "homesteadBlock", hardfork: "homestead" },
  { key: "daoForkBlock", hardfork: "dao" },
  { key: "eip150Block", hardfork: "tangerineWhistle" },
  { key: "eip155Block", hardfork: "spuriousDragon" },
  { key: "eip158Block", hardfork: "spuriousDragon" },
  { key: "byzantiumBlock", hardfork: "byzantium" },
  { key: "constantinopleBlock", hardfork: "constantinople" },
  { key: "petersburgBlock", hardfork: "petersburg" },
  { key: "istanbulBlock", hardfork: "istanbul" },
  { key: "muirGlacierBlock", hardfork: "muirGlacier" },
  { key: "berlinBlock", hardfork: "berlin" },
  { key: "londonBlock", hardfork: "london" },
  { key: "arrowGlacierBlock", hardfork: "arrowGlacier" },
  { key: "grayGlacierBlock", hardfork: "grayGlacier" },
  /** The first proof-of-stake block (Paris, "the merge"). */
  { key: "mergeForkBlock", hardfork: "paris" },
  /** A fork-id marker after the merge; it changes no rule. */
  { key: "mergeNetsplitBlock", hardfork: "mergeNetsplitBlock" },
] as const;

/**
 * Forks activated by timestamp: every fork after the merge, as far as geth's config names them
 * (`amsterdamTime` included, so a current geth's config reads as it is). The blob-parameter-only
 * forks (BPO1–5) change nothing but blob parameters, and a chain may skip them, as geth's
 * `CheckConfigForkOrder` allows.
 */
export const TIME_FORKS = [
  { key: "shanghaiTime", hardfork: "shanghai" },
  { key: "cancunTime", hardfork: "cancun" },
  { key: "pragueTime", hardfork: "prague" },
  { key: "osakaTime", hardfork: "osaka" },
  { key: "bpo1Time", hardfork: "bpo1", optional: true },
  { key: "bpo2Time", hardfork: "bpo2", optional: true },
  { key: "bpo3Time", hardfork: "bpo3", optional: true },
  { key: "bpo4Time", hardfork: "bpo4", optional: true },
  { key: "bpo5Time", hardfork: "bpo5", optional: true },
  { key: "amsterdamTime", hardfork: "amsterdam" },
] as const;

export type BlockForkKey = (typeof BLOCK_FORKS)[number]["key"];
export type TimeForkKey = (typeof TIME_FORKS)[number]["key"];
export type TimeFork = (typeof TIME_FORKS)[number]["hardfork"];

/**
 * The post-merge forks whose rules this package executes: Paris (from the merge block), then these.
 * A chain spec may schedule later ones (a real chain's schedule goes on); blocks from the first
 * of them on are refused rather than executed under rules that are not theirs.
 */
export const EXECUTED_TIME_FORKS: readonly TimeFork[] = ["shanghai", "cancun", "prague"];

/** The last fork whose rules are executed. */
export const LAST_EXECUTED_FORK = "prague";
