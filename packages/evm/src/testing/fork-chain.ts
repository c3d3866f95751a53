import type { Common } from "@ethereumjs/common";
import { type BuiltBlock, ExecutionChain } from "../chain/execution-chain.js";
import type { ChainSpec } from "../chain-spec/chain-spec.js";
import { createCommon } from "../common.js";
import { deployCode, STORE_AND_LOG, word } from "./contracts.js";
import { ALICE_KEY, BOB_KEY, mixedGenesisAlloc, Sender } from "./mixed-chain.js";

/** The fork chain's genesis timestamp; block n has timestamp genesis + 12·n. */
export const FORK_CHAIN_GENESIS_TIME = 1_700_000_000;

/** Prague's activation on the fork chain: block 3's timestamp. */
export const FORK_CHAIN_PRAGUE_TIME = FORK_CHAIN_GENESIS_TIME + 36;

/**
 * The fork chain's spec: chain 1337, merged at genesis, Shanghai and Cancun from genesis, Prague
 * from `FORK_CHAIN_PRAGUE_TIME`, so blocks 1–2 are Cancun's and blocks 3– Prague's.
 */
export function forkChainSpec(overrides: Partial<ChainSpec> = {}): ChainSpec {
  return {
    chainId: 1337,
    mergeForkBlock: 0,
    shanghaiTime: 0,
    cancunTime: 0,
    pragueTime: FORK_CHAIN_PRAGUE_TIME,
    depositContractAddress: `0x${"00".repeat(20)}`,
    ...overrides,
  };
}

export interface ForkChain {
  readonly common: Common;
  readonly chain: ExecutionChain;
  /** Blocks 1..5, as built. */
  readonly blocks: readonly BuiltBlock[];
}

/**
 * Five blocks across a fork boundary (`forkChainSpec`: Cancun, then Prague from block 3), on the
 * mixed chain's genesis: a contract deployment, storage writes and clears, logs and transfers in
 * every block, so each block's state root depends on its rules being applied.
 */
export async function buildForkChain(spec: ChainSpec = forkChainSpec()): Promise<ForkChain> {
  const common = createCommon(spec);
  const chain = await ExecutionChain.create({
    common,
    alloc: mixedGenesisAlloc(),
    genesis: { timestamp: BigInt(FORK_CHAIN_GENESIS_TIME) },
  });
  const alice = new Sender(common, ALICE_KEY);
  const bob = new Sender(common, BOB_KEY);
  const store = alice.nextContract();
  const blocks: BuiltBlock[] = [];
  blocks.push(await chain.buildBlock([alice.call(undefined, deployCode(STORE_AND_LOG).slice(2))]));
  for (let n = 2n; n <= 5n; n++) {
    blocks.push(
      await chain.buildBlock([
        alice.call(store, word(n) + word(n * 100n)),
        alice.call(store, word(n - 1n) + word(0n)),
        bob.legacyTransfer(`0x${(0xf0n + n).toString(16).padStart(40, "0")}`, n),
      ]),
    );
  }
  return { common, chain, blocks };
}
