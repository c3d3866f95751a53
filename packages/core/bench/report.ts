import { cpus, loadavg } from "node:os";

/** Numbers from a shared machine mean little without its load: print it beside them. */
export function loadLine(): string {
  const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen} on ${cpus().length} cores`;
}

export function rateLine(label: string, tasks: number, seconds: number): string {
  const rate = Math.round(tasks / seconds).toLocaleString("en-US");
  return `  ${label.padEnd(34)} ${tasks.toLocaleString("en-US").padStart(8)} tasks  ${rate.padStart(7)} tasks/s`;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Runs `op` `runs` times, one after the other, and prints its p50 and p99 latency. */
export async function latency(
  label: string,
  runs: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await op(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const µs = (ms: number) => `${Math.round(ms * 1_000)} µs`.padStart(10);
  console.log(
    `  ${label.padEnd(44)} p50 ${µs(percentile(samples, 0.5))}   p99 ${µs(percentile(samples, 0.99))}`,
  );
}
