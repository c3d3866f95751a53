import { createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from "@ethereumjs/tx";
import {
  type Address,
  createAddressFromPrivateKey,
  createContractAddress,
  hexToBytes,
} from "@ethereumjs/util";
import {
  type ChainBlock,
  createDevnetCommon,
  ExecutionChain,
  type GenesisAlloc,
  type Hex,
  systemContractsAlloc,
} from "@paas/evm";

export const CHAIN_ID = 1337;
export const ALICE_KEY = hexToBytes(`0x${"11".repeat(32)}`);
export const BOB_KEY = hexToBytes(`0x${"22".repeat(32)}`);

/** Init code that returns `runtime` as the contract's code. */
export function deployCode(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  const size = length.toString(16).padStart(2, "0");
  // PUSH1 size PUSH1 12 PUSH1 0 CODECOPY PUSH1 size PUSH1 0 RETURN, then the runtime.
  return `0x60${size}600c60003960${size}6000f3${runtime.slice(2)}`;
}

/**
 * Calldata `slot ‖ value` (64 bytes): stores value at slot (zero clears it) and logs value with
 * topic slot. Shorter calldata: stores zero at the slot, then reverts.
 */
export const STORE_AND_LOG: Hex = "0x6020356000355560403610601d5760203560005260003560206000a1005b60006000fd";
/** Calldata `k` (32 bytes): stores BLOCKHASH(NUMBER - k) at slot k. */
export const STORE_BLOCKHASH: Hex = "0x6000354303406000355500";

export const word = (value: bigint): string => value.toString(16).padStart(64, "0");
const set = (slot: bigint, value: bigint) => word(slot) + word(value);

export type Common = ReturnType<typeof createDevnetCommon>;

export class Sender {
  nonce = 0n;
  readonly address: Address;

  constructor(
    private readonly common: Common,
    readonly key: Uint8Array,
  ) {
    this.address = createAddressFromPrivateKey(key);
  }

  call(to: Address | Hex | undefined, data: string, value = 0n): TypedTransaction {
    return createFeeMarket1559Tx(
      {
        nonce: this.nonce++,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 2n,
        gasLimit: 200_000n,
        to,
        value,
        data: hexToBytes(`0x${data}`),
      },
      { common: this.common },
    ).sign(this.key);
  }

  legacyTransfer(to: Hex, value: bigint): TypedTransaction {
    return createLegacyTx(
      { nonce: this.nonce++, gasPrice: 10n ** 10n, gasLimit: 21_000n, to, value },
      { common: this.common },
    ).sign(this.key);
  }

  nextContract(): Address {
    return createContractAddress(this.address, this.nonce);
  }
}

export interface TestChain {
  readonly common: Common;
  readonly chain: ExecutionChain;
  /** Blocks 1.. in order. */
  readonly blocks: readonly ChainBlock[];
}

export function genesisAlloc(): GenesisAlloc {
  return {
    ...systemContractsAlloc(),
    [createAddressFromPrivateKey(ALICE_KEY).toString()]: { balance: 10n ** 24n },
    [createAddressFromPrivateKey(BOB_KEY).toString()]: { balance: 10n ** 24n },
  };
}

/**
 * Five blocks a prover must handle: contract deployments, legacy and EIP-1559 transactions,
 * transfers to new accounts, storage writes, overwrites and clears that collapse trie branches,
 * logs, a reverted call, BLOCKHASH two and three blocks back, and an empty block.
 */
export async function buildTestChain(): Promise<TestChain> {
  const common = createDevnetCommon(CHAIN_ID);
  const alice = new Sender(common, ALICE_KEY);
  const bob = new Sender(common, BOB_KEY);
  const chain = await ExecutionChain.create({ common, alloc: genesisAlloc() });
  const store = alice.nextContract();
  const deployStore = alice.call(undefined, deployCode(STORE_AND_LOG).slice(2));
  const blockhash = alice.nextContract();
  const deployBlockhash = alice.call(undefined, deployCode(STORE_BLOCKHASH).slice(2));
  const blocks: ChainBlock[] = [];
  const build = async (txs: TypedTransaction[]) => blocks.push(await chain.buildBlock(txs));

  await build([
    deployStore,
    deployBlockhash,
    alice.legacyTransfer(bob.address.toString() as Hex, 10n ** 18n),
    alice.call("0x00000000000000000000000000000000000000c1", "", 5n),
  ]);
  await build([
    ...[1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((slot) => alice.call(store, set(slot, slot * 1000n))),
    bob.call("0x00000000000000000000000000000000000000c2", "", 7n),
  ]);
  await build([
    ...[1n, 2n, 3n, 4n, 5n, 6n].map((slot) => alice.call(store, set(slot, 0n))),
    alice.call(store, set(7n, 4242n)),
    alice.call(store, word(8n)),
    alice.call(blockhash, word(2n)),
    bob.legacyTransfer("0x00000000000000000000000000000000000000c3", 9n),
  ]);
  await build([
    alice.call(blockhash, word(3n)),
    alice.call(store, set(8n, 0n)),
    bob.call(store, set(9n, 9n)),
  ]);
  await build([]);
  return { common, chain, blocks };
}

/**
 * A fork of `base` after block `from`: the same blocks 1..from, then `length` blocks of one
 * transfer each, so the block numbers after `from` have other hashes than on `base`.
 */
export async function buildFork(base: TestChain, from: number, length: number): Promise<TestChain> {
  const { common } = base;
  const chain = await ExecutionChain.create({ common, alloc: genesisAlloc() });
  const bob = new Sender(common, BOB_KEY);
  const blocks: ChainBlock[] = [];
  for (const block of base.blocks.slice(0, from)) {
    blocks.push(await chain.importBlock(block.rlp));
    for (const tx of block.block.transactions) {
      if (tx.getSenderAddress().equals(bob.address)) bob.nonce++;
    }
  }
  for (let i = 0; i < length; i++) {
    const to = "0x00000000000000000000000000000000000000f0";
    blocks.push(await chain.buildBlock([bob.legacyTransfer(to, 1n + BigInt(i))]));
  }
  return { common, chain, blocks };
}
