import type { Common } from "@ethereumjs/common";
import {
  createAccessList2930Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from "@ethereumjs/tx";
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
} from "../../src/index.js";
import { deployCode, STORE_AND_LOG, STORE_BLOCKHASH, word } from "./contracts.js";

export const CHAIN_ID = 1337;
export const ALICE_KEY = hexToBytes(`0x${"11".repeat(32)}`);
export const BOB_KEY = hexToBytes(`0x${"22".repeat(32)}`);

export interface MixedChain {
  readonly common: Common;
  readonly chain: ExecutionChain;
  /** Blocks 1.. of the chain, in order. */
  readonly blocks: readonly ChainBlock[];
  readonly store: Address;
  readonly blockhash: Address;
}

class Sender {
  private nonce = 0n;
  readonly address: Address;

  constructor(
    private readonly common: Common,
    private readonly key: Uint8Array,
  ) {
    this.address = createAddressFromPrivateKey(key);
  }

  call(to: Address | Hex | undefined, data: string, value = 0n): TypedTransaction {
    const input = hexToBytes(`0x${data}`);
    return createFeeMarket1559Tx(
      {
        nonce: this.nonce++,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 2n,
        gasLimit: 200_000n,
        to,
        value,
        data: input,
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

  accessListCall(to: Address, data: string, slot: bigint): TypedTransaction {
    return createAccessList2930Tx(
      {
        nonce: this.nonce++,
        gasPrice: 10n ** 10n,
        gasLimit: 200_000n,
        to,
        data: hexToBytes(`0x${data}`),
        accessList: [{ address: to.toString(), storageKeys: [`0x${word(slot)}`] }],
      },
      { common: this.common },
    ).sign(this.key);
  }

  nextContract(): Address {
    return createContractAddress(this.address, this.nonce);
  }
}

const set = (slot: bigint, value: bigint) => word(slot) + word(value);

/** The genesis of the mixed chain: the system contracts and two funded senders. */
export function mixedGenesisAlloc(): GenesisAlloc {
  return {
    ...systemContractsAlloc(),
    [createAddressFromPrivateKey(ALICE_KEY).toString()]: { balance: 10n ** 24n },
    [createAddressFromPrivateKey(BOB_KEY).toString()]: { balance: 10n ** 24n },
  };
}

/**
 * Five blocks mixing what a prover must handle: contract deployments, legacy / access-list /
 * EIP-1559 transactions, transfers to new accounts, storage writes, overwrites and clears (the
 * clears collapse branches of the storage trie), logs, a reverted call, BLOCKHASH reaching
 * three blocks back, and an empty block.
 */
export async function buildMixedChain(): Promise<MixedChain> {
  const common = createDevnetCommon(CHAIN_ID);
  const alice = new Sender(common, ALICE_KEY);
  const bob = new Sender(common, BOB_KEY);
  const chain = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
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
    alice.call(blockhash, word(1n)),
    bob.legacyTransfer("0x00000000000000000000000000000000000000c3", 9n),
  ]);
  await build([
    alice.call(blockhash, word(3n)),
    alice.call(blockhash, word(2n)),
    alice.call(store, set(8n, 0n)),
    alice.accessListCall(store, set(9n, 9n), 9n),
  ]);
  await build([]);
  return { common, chain, blocks, store, blockhash };
}
