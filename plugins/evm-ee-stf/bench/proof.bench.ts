/**
 * Gas per second of a whole EVM EE STF proof through the native host — input encoding, transfer to
 * the worker, decoding, witness load, stateless execution with every check, SSZ output, signing —
 * next to @ethereumjs's default configuration executing the same block on full in-memory state.
 * Witness size per block. Medians of several runs after a warm-up, one proving worker.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { createBlockFromRLP } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToUnprefixedHex, hexToBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { createDevnetCommon, type ExecutionWitness, keccak256, nativeRecoveryAvailable } from "@paas/evm";
import { NativeHost } from "@paas/zkvm";
import { evmEeStfProgram, testing } from "../src/index.js";
import { type BenchBlock, buildBenchBlocks, CHAIN_ID } from "./workloads.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
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
function defaultFullState(bench: BenchBlock): () => Promise<number> {
  const common = createDevnetCommon(CHAIN_ID, { fastCrypto: false });
  const state = stateMap(bench.preState);
  return () =>
    timed(async () => {
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
  const bytes = [...witness.state, ...witness.codes, ...witness.headers].reduce(
    (sum, item) => sum + (item.length - 2) / 2,
    0,
  );
  return `${witness.state.length} nodes + ${witness.codes.length} codes + ${witness.headers.length} header, ${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const blocks = await buildBenchBlocks();
  const host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
  const chain = { kind: "devnet", chainId: CHAIN_ID } as const;
  const rows = [
    [
      "block",
      "gas",
      "witness",
      "@ethereumjs default, full state",
      "proof (native host)",
      "best proof",
      "guest alone",
      "speed-up",
    ],
  ];
  try {
    // The first proof loads the program module and starts the EVM helper thread in the worker.
    const cold = await timed(() =>
      host.prove(evmEeStfProgram, testing.programInputFor(chain, [blocks[0]!.block])),
    );
    for (const bench of blocks) {
      const gas = Number(bench.block.block.header.gasUsed);
      const input = testing.programInputFor(chain, [bench.block]);
      const baselineRun = defaultFullState(bench);
      // Warm-up, then the two alternate run by run, so both see the same load on a shared machine.
      await host.prove(evmEeStfProgram, input);
      await baselineRun();
      const runs: { wallMs: number; guestMs: number }[] = [];
      const baselineRuns: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push((await host.proveWithSummary(evmEeStfProgram, input)).summary);
        baselineRuns.push(await baselineRun());
      }
      const proofMs = middle(runs.map((r) => r.wallMs));
      const guestMedian = middle(runs.map((r) => r.guestMs));
      const bestMs = Math.min(...runs.map((r) => r.wallMs));
      const baseline = middle(baselineRuns);
      const rate = (ms: number) => `${(gas / ms / 1000).toFixed(1)} Mgas/s (${ms.toFixed(0)} ms)`;
      rows.push([
        bench.name,
        gas.toLocaleString("en"),
        witnessSize(bench.block.witness),
        rate(baseline),
        rate(proofMs),
        rate(bestMs),
        rate(guestMedian),
        `${(baseline / proofMs).toFixed(1)}×`,
      ]);
    }
    console.log(
      `median of ${RUNS} runs after a warm-up; first proof (program load, helper start) ${cold.toFixed(0)} ms; ` +
        `native secp256k1: ${nativeRecoveryAvailable}; load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
    );
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join(" | "));
  } finally {
    await host.close();
  }
}

await main();
