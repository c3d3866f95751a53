/**
 * Gas per second of stateless block execution (decode, witness load, execution), next to
 * @ethereumjs's default configuration executing the same blocks on full in-memory state, and
 * the witness size of each block. Medians of several runs after a warm-up.
 */
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToUnprefixedHex, hexToBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import {
  closeSyncExecutor,
  createDevnetCommon,
  type ExecutionWitness,
  executeBlocksStatelessly,
  executeBlocksStatelesslySync,
  keccak256,
  nativeRecoveryAvailable,
} from "../src/index.js";
import { type BenchBlock, buildBenchBlocks, CHAIN_ID } from "./workloads.js";

const RUNS = 7;

async function medianMs(run: () => Promise<void> | void): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
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
 * @ethereumjs's defaults: pure-JS crypto, no caches, the full state in a MapDB, the library's mock
 * blockchain (which cannot validate headers, so that step is skipped; it is cheap).
 */
async function defaultFullStateMs(bench: BenchBlock): Promise<number> {
  const common = createDevnetCommon(CHAIN_ID, { fastCrypto: false });
  const state = stateMap(bench.preState);
  return medianMs(async () => {
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
  });
}

function witnessSize(witness: ExecutionWitness): string {
  const bytes = [...witness.state, ...witness.codes, ...witness.headers, ...witness.keys].reduce(
    (sum, item) => sum + (item.length - 2) / 2,
    0,
  );
  return `${witness.state.length} nodes + ${witness.codes.length} codes + ${witness.headers.length} header, ${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const blocks = await buildBenchBlocks();
  const fast = createDevnetCommon(CHAIN_ID);
  const plain = createDevnetCommon(CHAIN_ID, { fastCrypto: false });
  const rows = [
    [
      "block",
      "gas",
      "witness",
      "default, full state",
      "stateless, default crypto",
      "stateless",
      "stateless, sync",
    ],
  ];
  for (const bench of blocks) {
    const gas = Number(bench.block.block.header.gasUsed);
    const input = { blocks: [bench.block.rlp], witnesses: [bench.block.witness] };
    const rate = (ms: number) => `${(gas / ms / 1000).toFixed(2)} Mgas/s (${ms.toFixed(0)} ms)`;
    rows.push([
      bench.name,
      gas.toLocaleString("en"),
      witnessSize(bench.block.witness),
      rate(await defaultFullStateMs(bench)),
      rate(await medianMs(() => executeBlocksStatelessly({ common: plain, ...input }).then(() => {}))),
      rate(await medianMs(() => executeBlocksStatelessly({ common: fast, ...input }).then(() => {}))),
      rate(
        await medianMs(
          () => void executeBlocksStatelesslySync({ chain: { kind: "devnet", chainId: CHAIN_ID }, ...input }),
        ),
      ),
    ]);
  }
  console.log(
    `median of ${RUNS} runs after a warm-up; native secp256k1 recovery: ${nativeRecoveryAvailable}`,
  );
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | "));
  await closeSyncExecutor();
}

await main();
