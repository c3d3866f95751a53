/**
 * The @ethereumjs `Common` of a chain spec: its chain id and deposit contract, every pre-merge fork
 * active from block 0 (their rules never run: blocks before the merge are refused), Paris from the
 * merge block, and the executed post-merge forks at their timestamps. Blocks and headers are
 * decoded with `setHardfork`, so each follows the fork its number and timestamp fall under.
 */
import { paramsBlock } from "@ethereumjs/block";
import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { paramsEVM } from "@ethereumjs/evm";
import { paramsTx } from "@ethereumjs/tx";
import { paramsVM } from "@ethereumjs/vm";
import { type ChainSpec, rulesAt } from "./chain-spec/chain-spec.js";
import { fixtureChainSpec } from "./chain-spec/fixture-networks.js";
import { EXECUTED_TIME_FORKS, TIME_FORKS } from "./chain-spec/forks.js";
import { parseChainSpec } from "./chain-spec/geth-config.js";
import { devnetChainSpec } from "./chain-spec/presets.js";
import { fastCrypto, kzg } from "./crypto.js";
import { EvmError } from "./errors.js";

export interface CommonOptions {
  /**
   * Plug in the faster keccak and secp256k1 of `./crypto.ts` (default). `false` keeps the
   * library's pure-JS defaults (to compare, or to rule them out).
   */
  readonly fastCrypto?: boolean;
}

/** EIP-3607 (reject transactions from senders with code) is enabled by the fixtures' runner too. */
const EXTRA_EIPS = [3607];

const PARIS_INDEX = Mainnet.hardforks.findIndex((fork) => fork.name === Hardfork.Paris);

/** Each of @ethereumjs's forks, in its order, with the activation the spec gives it. */
function hardforksOf(spec: ChainSpec) {
  return Mainnet.hardforks.map((fork, index) => {
    const name = fork.name;
    if (index < PARIS_INDEX) {
      // The DAO fork stays off: active at block 0 it would demand its marker in the first headers' extraData.
      return { name, block: name === Hardfork.Dao ? null : 0 };
    }
    // mergeNetsplitBlock only marks a fork id; scheduled at the merge it would shadow Paris's name.
    if (name === Hardfork.Paris) return { name, block: spec.mergeForkBlock };
    if (name === Hardfork.MergeNetsplitBlock) return { name, block: null };
    const timed = TIME_FORKS.find((candidate) => candidate.hardfork === name);
    const timestamp = timed === undefined ? undefined : spec[timed.key];
    const executed = timed !== undefined && EXECUTED_TIME_FORKS.includes(timed.hardfork);
    return executed && timestamp !== undefined ? { name, block: null, timestamp } : { name, block: null };
  });
}

function cryptoOf(options: CommonOptions) {
  return options.fastCrypto === false ? { kzg } : fastCrypto();
}

/**
 * Each package adds its own parameters to the copy of the Common it keeps; loading them all here
 * lets code holding this Common ask for any of them (the blob gas schedule, the initial base fee).
 */
function withAllParams(common: Common): Common {
  for (const params of [paramsBlock, paramsTx, paramsEVM, paramsVM]) common.updateParams(params);
  return common;
}

/**
 * The spec each Common made here applies (copies are not in it: block execution asks with the
 * chain's own Common). The executor reads it to refuse blocks outside the executed rules, which
 * the Common alone cannot tell (it never schedules the forks after Prague).
 */
const specs = new WeakMap<Common, ChainSpec>();

/** The chain spec `createCommon` made this Common for; `INVALID_INPUT` for any other Common. */
export function chainSpecOf(common: Common): ChainSpec {
  const spec = specs.get(common);
  if (spec === undefined) {
    throw new EvmError(
      "INVALID_INPUT",
      "this Common was not made by createCommon, so its chain spec is unknown",
    );
  }
  return spec;
}

/**
 * The rules of a chain spec (checked again here: a spec that would not parse is refused). The
 * Common's own hardfork is the merge block's at timestamp 0; every block sets its own.
 */
export function createCommon(spec: ChainSpec, options: CommonOptions = {}): Common {
  const checked = parseChainSpec(spec);
  const start = rulesAt(checked, BigInt(checked.mergeForkBlock), 0n);
  const common = createCustomCommon(
    {
      name: `chain-${checked.chainId}`,
      chainId: checked.chainId,
      depositContractAddress: checked.depositContractAddress,
      hardforks: hardforksOf(checked),
    },
    Mainnet,
    {
      hardfork: start.kind === "executed" ? start.fork : Hardfork.Paris,
      eips: EXTRA_EIPS,
      customCrypto: cryptoOf(options),
    },
  );
  specs.set(common, checked);
  return withAllParams(common);
}

/** The devnet's rules (Prague from genesis) under the given chain id. */
export function createDevnetCommon(chainId: number, options: CommonOptions = {}): Common {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new EvmError("INVALID_INPUT", `chain id must be a positive integer, got ${chainId}`);
  }
  return createCommon(devnetChainSpec(chainId), options);
}

/** The rules of an Ethereum Foundation fixture's `network` (e.g. "Cancun", "ParisToShanghaiAtTime15k"). */
export function createFixtureCommon(network: string, options: CommonOptions = {}): Common {
  return createCommon(fixtureChainSpec(network), options);
}
