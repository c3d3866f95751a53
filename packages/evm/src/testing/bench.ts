import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import {
  bigIntToHex,
  bytesToUnprefixedHex,
  createAddressFromPrivateKey,
  createContractAddress,
  hexToBytes,
  MapDB,
  ValueEncoding,
} from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { type BuiltBlock, ExecutionChain } from "../chain/execution-chain.js";
import { type GenesisAlloc, systemContractsAlloc } from "../chain/genesis.js";
import { createDevnetCommon } from "../common.js";
import { keccak256 } from "../crypto.js";
import type { Hex } from "../hex.js";
import type { ExecutionWitness } from "../witness/types.js";
import { word } from "./contracts.js";

/** The bench blocks' EL chain id. */
export const BENCH_CHAIN_ID = 4242;

/** `for (off = 0; off < calldatasize; off += 64) sstore(calldata[off], calldata[off + 32])` */
const MULTI_STORE: Hex = "0x60005b803611600a57005b8060200135813555604001600256";

/**
 * `calldatacopy(0, 0, 213); staticcall(gas, 0x09, 0, 213, 0, 64); sstore(0, mload(0))`: one BLAKE2F
 * call (EIP-152) on the calldata, its first word kept.
 */
const BLAKE2F_CALLER: Hex = "0x60d560006000376040600060d5600060095afa5060005160005500";

/** BLAKE2F rounds per call: 1 gas each, ~0.3 s of @ethereumjs's pure-JS compression. */
const BLAKE2F_ROUNDS = 500_000;

/** A BLAKE2F input (EIP-152): `BLAKE2F_ROUNDS` rounds over a state and message derived from `seed`. */
function blake2fCalldata(seed: number): string {
  const filler = (length: number) =>
    Array.from({ length }, (_, i) => ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, "0")).join("");
  return `${BLAKE2F_ROUNDS.toString(16).padStart(8, "0")}${filler(64)}${filler(128)}${filler(16)}01`;
}

const keyOf = (seed: number): Uint8Array => hexToBytes(`0x${(seed + 1).toString(16).padStart(64, "0")}`);

export interface BenchBlock {
  readonly name: string;
  readonly block: BuiltBlock;
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

/**
 * The standard benchmark workloads, three blocks built on a devnet chain (`BENCH_CHAIN_ID`): 200
 * plain transfers (200 senders to 200 new accounts), 50 storage-heavy calls (8 slot writes each,
 * into a contract that already holds 4,000 slots: new slots, overwrites and clears), and 10 calls
 * of the BLAKE2F precompile at 500,000 rounds each (compute-heavy: nearly all its gas is rounds).
 */
export async function buildBenchBlocks(): Promise<BenchBlock[]> {
  const common = createDevnetCommon(BENCH_CHAIN_ID);
  const senders = Array.from({ length: 200 }, (_, i) => keyOf(i));
  const storeKey = keyOf(1000);
  const blakeKey = keyOf(2000);
  const blakeCaller = "0x00000000000000000000000000000000000b1a2f" as Hex;
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
    [createAddressFromPrivateKey(blakeKey).toString()]: { balance: 10n ** 20n },
    [blakeCaller]: { code: BLAKE2F_CALLER },
    [contract]: { code: MULTI_STORE, storage },
  };
  const chain = await ExecutionChain.create({ common, alloc, genesis: { gasLimit: 60_000_000n } });

  const transfersPre = chain.fullWitness();
  const transfersRoot = hexToBytes(chain.head.stateRoot);
  const transfers: TypedTransaction[] = senders.map((key, i) =>
    tx(common, key, 0n, `0x${(0xa000000 + i).toString(16).padStart(40, "0")}`),
  );
  const transferBlock = await chain.buildBlock(transfers);

  const storagePre = chain.fullWitness();
  const storageRoot = hexToBytes(chain.head.stateRoot);
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

  const blakePre = chain.fullWitness();
  const blakeRoot = hexToBytes(chain.head.stateRoot);
  const blakeCalls = Array.from({ length: 10 }, (_, call) =>
    tx(common, blakeKey, BigInt(call), blakeCaller, blake2fCalldata(call)),
  );
  const blakeBlock = await chain.buildBlock(blakeCalls);
  return [
    { name: "200 transfers", block: transferBlock, preState: transfersPre, preStateRoot: transfersRoot },
    { name: "50 storage calls", block: storageBlock, preState: storagePre, preStateRoot: storageRoot },
    { name: "10 BLAKE2F calls", block: blakeBlock, preState: blakePre, preStateRoot: blakeRoot },
  ];
}

/** The state as the default state manager stores it: nodes under their hash, code under "c" ‖ hash. */
function stateMap(state: ExecutionWitness): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const hex of state.state) map.set(bytesToUnprefixedHex(keccak256(hexToBytes(hex))), hexToBytes(hex));
  for (const hex of state.codes)
    map.set(`63${bytesToUnprefixedHex(keccak256(hexToBytes(hex)))}`, hexToBytes(hex));
  return map;
}

/**
 * The baseline the benchmarks compare with: @ethereumjs's defaults executing a bench block on its
 * full pre-state — pure-JS crypto, no caches, the full state in a MapDB, the library's mock
 * blockchain (which cannot validate headers, so that step is skipped; it is cheap). Returns one
 * run (decode, state set-up, execution); call it as often as needed.
 */
export function defaultFullStateRun(bench: BenchBlock): () => Promise<void> {
  const common = createDevnetCommon(BENCH_CHAIN_ID, { fastCrypto: false });
  const state = stateMap(bench.preState);
  return async () => {
    const block = createBlockFromRLP(hexToBytes(bench.block.rlp), { common });
    const db = new MapDB<string, Uint8Array>(new Map(state));
    const trie = new MerklePatriciaTrie({
      db,
      root: bench.preStateRoot,
      useKeyHashing: true,
      valueEncoding: ValueEncoding.Bytes,
    });
    const vm = await createVM({ common, stateManager: new MerkleStateManager({ common, trie }) });
    await runBlock(vm, { block, skipHeaderValidation: true });
  };
}

/**
 * "271 nodes + 4 codes + 1 header, 42.6 KiB": a witness's counts and the bytes of the given fields
 * (default all four; a proof input without `keys` counts the other three).
 */
export function witnessSummary(
  witness: ExecutionWitness,
  fields: readonly (keyof ExecutionWitness)[] = ["state", "codes", "headers", "keys"],
): string {
  const bytes = fields
    .flatMap((field) => witness[field])
    .reduce((sum, item) => sum + (item.length - 2) / 2, 0);
  return `${witness.state.length} nodes + ${witness.codes.length} codes + ${witness.headers.length} header, ${(bytes / 1024).toFixed(1)} KiB`;
}
