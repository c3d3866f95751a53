/**
 * How fast the devchain builds chains (plugin tests build them often): creating a chain and
 * producing 3 epochs of 4 slots, per-block production time, witness sizes, and the cost of a
 * head-state view. Prints numbers; no thresholds.
 */
import { loadavg } from "node:os";
import { createDevChain, DevChain } from "../src/index.js";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

const RUNS = 5;
const totals: number[] = [];
const creates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const chain = await DevChain.create({ seed: `bench-${run}`, slotsPerEpoch: 4 });
  creates.push(performance.now() - started);
  await chain.produceEpochs(3);
  totals.push(performance.now() - started);
}
console.log(
  `create + 3 epochs × 4 slots (12 blocks): median ${ms(median(totals))} (runs: ${totals.map((t) => t.toFixed(0)).join(", ")} ms)`,
);
console.log(`  of which DevChain.create (genesis): median ${ms(median(creates))}`);

const chain = await createDevChain({ seed: "bench", slotsPerEpoch: 4, epochs: 0 });
const perBlock: number[] = [];
for (let i = 0; i < 48; i++) {
  const started = performance.now();
  await chain.produceBlock();
  perBlock.push(performance.now() - started);
}
const blocks = chain.getElBlocks();
const txs = blocks.map((b) => b.block.transactions.length);
const nodes = blocks.map((b) => b.witness.state.length);
const bytes = blocks.map((b) =>
  [...b.witness.state, ...b.witness.codes, ...b.witness.headers].reduce((s, h) => s + (h.length - 2) / 2, 0),
);
console.log(
  `48 blocks: per block median ${ms(median(perBlock))}, max ${ms(Math.max(...perBlock))}; txs per block median ${median(txs)}`,
);
console.log(
  `witness per block: median ${median(nodes)} nodes / ${(median(bytes) / 1024).toFixed(1)} KiB, max ${Math.max(...nodes)} nodes / ${(Math.max(...bytes) / 1024).toFixed(1)} KiB`,
);
const viewStarted = performance.now();
chain.headState();
console.log(`headState() after 48 blocks: ${ms(performance.now() - viewStarted)}`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
