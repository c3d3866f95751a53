/**
 * The two blocks the benchmark proves, built on a devnet chain: 200 plain transfers (200 senders to
 * 200 new accounts) and 50 storage-heavy calls (8 slot writes each, into a contract that already
 * holds 4,000 slots: new slots, overwrites and clears). The same workloads as @paas/evm's bench.
 */
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  bigIntToHex,
  createAddressFromPrivateKey,
  createContractAddress,
  hexToBytes,
} from "@ethereumjs/util";
import {
  type ChainBlock,
  createDevnetCommon,
  ExecutionChain,
  type ExecutionWitness,
  type GenesisAlloc,
  type Hex,
  systemContractsAlloc,
} from "@paas/evm";

export const CHAIN_ID = 4242;

/** `for (off = 0; off < calldatasize; off += 64) sstore(calldata[off], calldata[off + 32])` */
const MULTI_STORE: Hex = "0x60005b803611600a57005b8060200135813555604001600256";

const word = (value: bigint) => value.toString(16).padStart(64, "0");
const keyOf = (seed: number): Uint8Array => hexToBytes(`0x${(seed + 1).toString(16).padStart(64, "0")}`);

export interface BenchBlock {
  readonly name: string;
  readonly block: ChainBlock;
  /** The whole state the block runs on, and its root (for the full-state baseline). */
  readonly preState: ExecutionWitness;
  readonly preStateRoot: Uint8Array;
}

function tx(
  common: ReturnType<typeof createDevnetCommon>,
  key: Uint8Array,
  nonce: bigint,
  to: Hex,
  data = "",
) {
  return createFeeMarket1559Tx(
    {
      nonce,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 1_000_000n,
      to,
      data: hexToBytes(`0x${data}`),
    },
    { common },
  ).sign(key);
}

export async function buildBenchBlocks(): Promise<BenchBlock[]> {
  const common = createDevnetCommon(CHAIN_ID);
  const senders = Array.from({ length: 200 }, (_, i) => keyOf(i));
  const storeKey = keyOf(1000);
  const contract = createContractAddress(createAddressFromPrivateKey(storeKey), 0n).toString() as Hex;
  const storage = Object.fromEntries(
    Array.from({ length: 4000 }, (_, i) => [
      bigIntToHex(BigInt(i) * 7919n + 1n),
      bigIntToHex(BigInt(i) + 1n),
    ]),
  );
  const alloc: GenesisAlloc = {
    ...systemContractsAlloc(),
    ...Object.fromEntries(
      senders.map((key) => [createAddressFromPrivateKey(key).toString(), { balance: 10n ** 20n }]),
    ),
    [createAddressFromPrivateKey(storeKey).toString()]: { balance: 10n ** 20n },
    [contract]: { code: MULTI_STORE, storage },
  };
  const chain = await ExecutionChain.create({ common, alloc, genesis: { gasLimit: 60_000_000n } });

  const transfersPre = chain.fullWitness();
  const transfersRoot = chain.head.block.header.stateRoot;
  const transfers: TypedTransaction[] = senders.map((key, i) =>
    tx(common, key, 0n, `0x${(0xa000000 + i).toString(16).padStart(40, "0")}`),
  );
  const transferBlock = await chain.buildBlock(transfers);

  const storagePre = chain.fullWitness();
  const storageRoot = chain.head.block.header.stateRoot;
  const calls = Array.from({ length: 50 }, (_, call) => {
    let data = "";
    for (let j = 0; j < 8; j++) {
      const n = call * 8 + j;
      // A third new slots, a third overwrites of existing ones, a third clears of existing ones.
      const slot = n % 3 === 0 ? 100_000n + BigInt(n) : BigInt(n * 5) * 7919n + 1n;
      data += word(slot) + word(n % 3 === 2 ? 0n : BigInt(n) + 77n);
    }
    return tx(common, storeKey, BigInt(call), contract, data);
  });
  const storageBlock = await chain.buildBlock(calls);
  return [
    { name: "200 transfers", block: transferBlock, preState: transfersPre, preStateRoot: transfersRoot },
    { name: "50 storage calls", block: storageBlock, preState: storagePre, preStateRoot: storageRoot },
  ];
}
