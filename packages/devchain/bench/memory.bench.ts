/**
 * What a long-running devnet costs: produces N blocks (default 1500; `BENCH_BLOCKS`) and prints the
 * memory retained per block (after `global.gc()`; run node with `--expose-gc`, as `npm run bench`
 * does) and blocks per second, for the default witness retention and for a short one
 * (`retainBlocks` 256, so the steady state after pruning shows within the run; `BENCH_RETAIN` sets
 * it). The per-block figure is the slope from block 300 (modules, caches and JIT warmed up) to the
 * last block; "external" is memory outside the V8 heap (the bytes of `Uint8Array`s: trie nodes).
 * Blocks are produced one at a time and dropped, as the devnet does. Prints numbers; no thresholds.
 */
import { loadavg } from "node:os";
import { DevChain } from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("run with node --expose-gc (npm run bench does)");
  process.exit(2);
}

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 1500);
const WARM_UP = Math.min(300, Math.floor(BLOCKS / 4));
const SHORT_RETENTION = Number(process.env.BENCH_RETAIN ?? 256);

interface Heap {
  /** V8 heap in use. */
  readonly heap: number;
  /** Memory of ArrayBuffers and other objects outside the V8 heap (Uint8Array contents). */
  readonly external: number;
}

function measure(): Heap {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function run(label: string, retainBlocks: number | undefined): Promise<void> {
  const chain = await DevChain.create({
    seed: "memory-bench",
    ...(retainBlocks === undefined ? {} : { retainBlocks }),
  });
  // What the devnet's console does with every block: read its header, transactions and witness.
  chain.subscribe((event) => {
    if (event.type === "block") {
      const { el } = event.block;
      void el.block.transactions.length;
      try {
        void el.witness.state.length;
      } catch {
        // A witness can only be pruned once it is retainBlocks old, never as the block is produced.
      }
    }
  });
  // One at a time: `produceBlocks(n)` would hold all n blocks as built (decoded) until it returns.
  const produce = async (count: number) => {
    for (let i = 0; i < count; i++) await chain.produceBlock();
  };
  await produce(WARM_UP);
  const start = measure();
  let producingMs = 0;
  const step = Math.max(1, Math.floor((BLOCKS - WARM_UP) / 4));
  const rows: string[] = [];
  for (let produced = WARM_UP; produced < BLOCKS; ) {
    const count = Math.min(step, BLOCKS - produced);
    const started = performance.now();
    await produce(count);
    producingMs += performance.now() - started;
    produced += count;
    const now = measure();
    const blocks = produced - WARM_UP;
    rows.push(
      `  block ${String(produced).padStart(5)}: heap ${mib(now.heap)}, external ${mib(now.external)}, ` +
        `${chain.execution.stateEntries} state entries; ` +
        `since block ${WARM_UP}: ${kib((now.heap - start.heap) / blocks)} heap + ` +
        `${kib((now.external - start.external) / blocks)} external per block`,
    );
  }
  const end = measure();
  const blocks = BLOCKS - WARM_UP;
  console.log(`${label}:`);
  for (const row of rows) console.log(row);
  console.log(
    `  => ${kib((end.heap - start.heap) / blocks)} heap + ${kib((end.external - start.external) / blocks)} external per block, ` +
      `${((blocks / producingMs) * 1000).toFixed(1)} blocks/s (blocks ${WARM_UP + 1}..${BLOCKS})`,
  );
}

console.log(
  `${BLOCKS} blocks per run; Node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
await run("default retention", undefined);
await run(`retainBlocks ${SHORT_RETENTION}`, SHORT_RETENTION);
