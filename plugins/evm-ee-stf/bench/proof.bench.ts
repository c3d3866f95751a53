/**
 * Gas per second of a whole EVM EE STF proof through the native host — input encoding, transfer to
 * the worker, decoding, witness load, stateless execution with every check, SSZ output, signing —
 * next to @ethereumjs's default configuration executing the same block on full in-memory state.
 * Witness size per block. Medians of several runs after a warm-up, one proving worker.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { devnetChainSpec, nativeRecoveryAvailable } from "@paas/evm";
import { BENCH_CHAIN_ID, buildBenchBlocks, defaultFullStateRun, witnessSummary } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import { evmEeStfProgram } from "../src/index.js";
import { programInputFor } from "../src/testing.js";

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

async function main(): Promise<void> {
  const blocks = await buildBenchBlocks();
  const host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
  const chain = devnetChainSpec(BENCH_CHAIN_ID);
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
    const cold = await timed(() => host.prove(evmEeStfProgram, programInputFor(chain, [blocks[0]!.block])));
    for (const bench of blocks) {
      const gas = Number(bench.block.block.header.gasUsed);
      const input = programInputFor(chain, [bench.block]);
      const fullStateRun = defaultFullStateRun(bench);
      const baselineRun = () => timed(fullStateRun);
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
        // The proof input carries no `keys`.
        witnessSummary(bench.block.witness, ["state", "codes", "headers"]),
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
