/**
 * A chain spec as this package applies it: the chain id, the merge block and the post-merge fork
 * schedule, in the keys of geth's genesis `config`. `parseChainSpec` makes one from a full geth
 * config (checking fork names and order); this module only reads one. It imports neither zod nor
 * @ethereumjs, so a guest can hash a spec cheaply.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Hex } from "../hex.js";
import { EXECUTED_TIME_FORKS, TIME_FORKS, type TimeFork, type TimeForkKey } from "./forks.js";

export type ChainSpec = {
  readonly chainId: number;
  /** The first proof-of-stake block (Paris); 0 for a chain that starts merged. */
  readonly mergeForkBlock: number;
  /** The deposit contract EIP-6110 reads deposit requests from (lower-case; zero address: none). */
  readonly depositContractAddress: Hex;
} & { readonly [key in TimeForkKey]?: number };

/** Which rules a block falls under. */
export type BlockRules =
  | { readonly kind: "pre-merge"; readonly mergeForkBlock: number }
  | { readonly kind: "executed"; readonly fork: "paris" | TimeFork }
  | {
      readonly kind: "unsupported";
      readonly fork: TimeFork;
      readonly key: TimeForkKey;
      readonly since: number;
    };

/** The rules of the block with this number and timestamp under `spec`. */
export function rulesAt(spec: ChainSpec, blockNumber: bigint, timestamp: bigint): BlockRules {
  if (blockNumber < BigInt(spec.mergeForkBlock)) {
    return { kind: "pre-merge", mergeForkBlock: spec.mergeForkBlock };
  }
  let active: (typeof TIME_FORKS)[number] | undefined;
  for (const fork of TIME_FORKS) {
    const since = spec[fork.key];
    if (since !== undefined && BigInt(since) <= timestamp) active = fork;
  }
  if (active === undefined) return { kind: "executed", fork: "paris" };
  if (EXECUTED_TIME_FORKS.includes(active.hardfork)) return { kind: "executed", fork: active.hardfork };
  // The first unsupported fork that is active names why.
  const first = TIME_FORKS.find(
    (fork) =>
      !EXECUTED_TIME_FORKS.includes(fork.hardfork) &&
      spec[fork.key] !== undefined &&
      BigInt(spec[fork.key]!) <= timestamp,
  )!;
  return { kind: "unsupported", fork: first.hardfork, key: first.key, since: spec[first.key]! };
}

/**
 * The spec in one canonical text: the keys in a fixed order (chain id, merge block, forks in
 * activation order, deposit contract), only those present, no spaces. Two specs with the same
 * rules have the same text whatever order their source listed the keys in.
 */
export function canonicalChainSpec(spec: ChainSpec): string {
  const entries: [string, number | string][] = [
    ["chainId", spec.chainId],
    ["mergeForkBlock", spec.mergeForkBlock],
  ];
  for (const { key } of TIME_FORKS) {
    const since = spec[key];
    if (since !== undefined) entries.push([key, since]);
  }
  entries.push(["depositContractAddress", spec.depositContractAddress]);
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

const TAG = "paas/evm/chain-spec/v1";
const TAG_HASH = sha256(utf8ToBytes(TAG));

/**
 * The chain spec's commitment: a BIP340-style tagged SHA-256 (`paas/evm/chain-spec/v1`) of its
 * canonical text. What the EVM EE STF commits and the rollup params name.
 */
export function chainSpecHash(spec: ChainSpec): Hex {
  const message = new Uint8Array([...TAG_HASH, ...TAG_HASH, ...utf8ToBytes(canonicalChainSpec(spec))]);
  return `0x${bytesToHex(sha256(message))}`;
}
