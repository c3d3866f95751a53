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
import { type BuiltBlock, ExecutionChain } from "../chain/execution-chain.js";
import { type GenesisAlloc, systemContractsAlloc } from "../chain/genesis.js";
import { createDevnetCommon } from "../common.js";
import type { Hex } from "../hex.js";
import { deployCode, STORE_AND_LOG, STORE_BLOCKHASH, word } from "./contracts.js";

/** The mixed chain's EL chain id. */
export const MIXED_CHAIN_ID = 1337;
/** Secret keys of the two funded senders of the mixed chain's genesis. */
export const ALICE_KEY = hexToBytes(`0x${"11".repeat(32)}`);
export const BOB_KEY = hexToBytes(`0x${"22".repeat(32)}`);

export interface MixedChain {
  readonly common: Common;
  readonly chain: ExecutionChain;
  /** Blocks 1.. of the chain, in order, as built (decoded, with receipts). */
  readonly blocks: readonly BuiltBlock[];
  /** The `STORE_AND_LOG` contract. */
  readonly store: Address;
  /** The `STORE_BLOCKHASH` contract. */
  readonly blockhash: Address;
}

/** An account signing transactions with consecutive nonces (from 0, or from where `nonce` is set). */
export class Sender {
  nonce = 0n;
  readonly address: Address;

  constructor(
    private readonly common: Common,
    readonly key: Uint8Array,
  ) {
    this.address = createAddressFromPrivateKey(key);
  }

  /** An EIP-1559 call (a creation when `to` is undefined) with calldata `data` (hex, no 0x). */
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

  /** An EIP-2930 call listing `slot` of `to` in its access list. */
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

  /** The address the sender's next transaction creates a contract at. */
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
 * Five blocks mixing what a prover must handle, on a devnet chain (`MIXED_CHAIN_ID`): contract
 * deployments, legacy / access-list / EIP-1559 transactions, transfers to new accounts, storage
 * writes, overwrites and clears (block 3's clears collapse branches of the storage trie), logs, a
 * reverted call (block 3), BLOCKHASH two blocks back (block 3) and three and two back (block 4),
 * and an empty block (block 5).
 */
export async function buildMixedChain(): Promise<MixedChain> {
  const common = createDevnetCommon(MIXED_CHAIN_ID);
  const alice = new Sender(common, ALICE_KEY);
  const bob = new Sender(common, BOB_KEY);
  const chain = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
  const store = alice.nextContract();
  const deployStore = alice.call(undefined, deployCode(STORE_AND_LOG).slice(2));
  const blockhash = alice.nextContract();
  const deployBlockhash = alice.call(undefined, deployCode(STORE_BLOCKHASH).slice(2));
  const blocks: BuiltBlock[] = [];
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
    alice.call(blockhash, word(2n)),
    alice.call(store, set(8n, 0n)),
    alice.accessListCall(store, set(9n, 9n), 9n),
  ]);
  await build([]);
  return { common, chain, blocks, store, blockhash };
}
