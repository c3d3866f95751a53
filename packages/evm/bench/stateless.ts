/**
 * Gas per second of stateless block execution (decode, witness load, execution), next to
 * @ethereumjs's default configuration executing the same blocks on full in-memory state, and
 * the witness size of each block. Medians of several runs after a warm-up.
 */
import {
  closeSyncExecutor,
  createDevnetCommon,
  devnetChainSpec,
  executeBlocksStatelessly,
  executeBlocksStatelesslySync,
  nativeRecoveryAvailable,
} from "../src/index.js";
import {
  BENCH_CHAIN_ID,
  buildBenchBlocks,
  defaultFullStateRun,
  witnessSummary,
} from "../src/testing/index.js";

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

async function main(): Promise<void> {
  const blocks = await buildBenchBlocks();
  const fast = createDevnetCommon(BENCH_CHAIN_ID);
  const plain = createDevnetCommon(BENCH_CHAIN_ID, { fastCrypto: false });
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
      witnessSummary(bench.block.witness),
      rate(await medianMs(defaultFullStateRun(bench))),
      rate(await medianMs(() => executeBlocksStatelessly({ common: plain, ...input }).then(() => {}))),
      rate(await medianMs(() => executeBlocksStatelessly({ common: fast, ...input }).then(() => {}))),
      rate(
        await medianMs(
          () =>
            void executeBlocksStatelesslySync({
              chainSpec: devnetChainSpec(BENCH_CHAIN_ID),
              ...input,
            }),
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
