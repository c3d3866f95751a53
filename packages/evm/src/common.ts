/**
 * Chain rules. Every fork up to the target is active from block 0 and every later one never
 * activates, which is how ethereumjs's own test runner builds the Common for the Ethereum
 * Foundation's fixtures (`new Common({ chain: Mainnet, hardfork })` instead fails header
 * validation with base-fee and fork-ordering errors).
 */
import { paramsBlock } from "@ethereumjs/block";
import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { paramsEVM } from "@ethereumjs/evm";
import { paramsTx } from "@ethereumjs/tx";
import { paramsVM } from "@ethereumjs/vm";
import { fastCrypto, kzg } from "./crypto.js";
import { EvmError } from "./errors.js";

/** Serialisable chain rules, for callers that cannot hand over a Common (worker threads, guests). */
export type ChainRules =
  | { readonly kind: "devnet"; readonly chainId: number }
  | { readonly kind: "fixture"; readonly network: string };

export interface CommonOptions {
  /**
   * Plug in the faster keccak and secp256k1 of `./crypto.ts` (default). `false` keeps the
   * library's pure-JS defaults (to compare, or to rule them out).
   */
  readonly fastCrypto?: boolean;
}

/** EIP-3607 (reject transactions from senders with code) is enabled by the fixtures' runner too. */
const EXTRA_EIPS = [3607];

function hardforksUpTo(target: string) {
  const names = Mainnet.hardforks.map((fork) => fork.name);
  const last = names.indexOf(target);
  if (last < 0) {
    throw new EvmError("INVALID_INPUT", `unknown hardfork "${target}" (known: ${names.join(", ")})`);
  }
  // The DAO fork stays off: active at block 0 it would demand its marker in the first headers' extraData.
  return Mainnet.hardforks.map((fork, index) => ({
    name: fork.name,
    block: index <= last && fork.name !== Hardfork.Dao ? 0 : null,
  }));
}

/**
 * Each package adds its own parameters to the copy of the Common it keeps; loading them all here
 * lets code holding this Common ask for any of them (the blob gas schedule, the initial base fee).
 */
function cryptoOf(options: CommonOptions) {
  return options.fastCrypto === false ? { kzg } : fastCrypto();
}

function withAllParams(common: Common): Common {
  for (const params of [paramsBlock, paramsTx, paramsEVM, paramsVM]) common.updateParams(params);
  return common;
}

/** The devnet's rules: Prague from genesis, the given chain id, fast crypto. */
export function createDevnetCommon(chainId: number, options: CommonOptions = {}): Common {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new EvmError("INVALID_INPUT", `chain id must be a positive integer, got ${chainId}`);
  }
  const common = createCustomCommon(
    { name: `paas-devnet-${chainId}`, chainId, hardforks: hardforksUpTo(Hardfork.Prague) },
    Mainnet,
    { hardfork: Hardfork.Prague, eips: EXTRA_EIPS, customCrypto: cryptoOf(options) },
  );
  return withAllParams(common);
}

/** Retesteth's names for forks whose ethereumjs name differs. */
const FIXTURE_ALIASES: Readonly<Record<string, string>> = {
  frontier: Hardfork.Chainstart,
  eip150: Hardfork.TangerineWhistle,
  eip158: Hardfork.SpuriousDragon,
  constantinoplefix: Hardfork.Petersburg,
  merge: Hardfork.Paris,
};

/**
 * The rules of an Ethereum Foundation fixture's `network` field (e.g. "Cancun"). Transition
 * networks ("ShanghaiToCancunAtTime15k") are not supported and are refused by name.
 */
export function createFixtureCommon(network: string, options: CommonOptions = {}): Common {
  const lower = network.toLowerCase();
  const known = Mainnet.hardforks.map((fork) => fork.name);
  const target = FIXTURE_ALIASES[lower] ?? known.find((name) => name.toLowerCase() === lower);
  if (target === undefined) {
    throw new EvmError("INVALID_INPUT", `fixture network "${network}" is not a single-fork network`);
  }
  const common = createCustomCommon({ hardforks: hardforksUpTo(target), defaultHardfork: target }, Mainnet, {
    hardfork: target,
    eips: EXTRA_EIPS,
    customCrypto: cryptoOf(options),
  });
  return withAllParams(common);
}

export function createCommon(rules: ChainRules): Common {
  return rules.kind === "devnet" ? createDevnetCommon(rules.chainId) : createFixtureCommon(rules.network);
}
