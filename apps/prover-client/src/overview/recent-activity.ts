import type { TaskTransition } from "@paas/core";

/** Proofs kept per kind for the duration percentiles. */
const SAMPLES_PER_KIND = 200;
/** Tasks this instance is watching in `proving`; beyond it the oldest are forgotten (taken over elsewhere). */
const MAX_PROVING = 10_000;
const MINUTE_MS = 60_000;

export interface DurationPercentiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly samples: number;
}

/**
 * What this instance saw lately, from the committed transitions (the hook metrics use): how long
 * its last proofs of each kind took, and how many tasks completed in the last minute. In memory
 * and per instance: cheap enough to ask every second, and a restart starts it afresh.
 */
export class RecentActivity {
  private readonly provingSince = new Map<string, number>();
  private readonly durations = new Map<string, number[]>();
  private readonly completions: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  observe(t: TaskTransition): void {
    if (t.to === "proving") {
      this.provingSince.set(t.id, t.at);
      if (this.provingSince.size > MAX_PROVING) {
        this.provingSince.delete(this.provingSince.keys().next().value as string);
      }
    } else if (t.from === "proving") {
      const since = this.provingSince.get(t.id);
      this.provingSince.delete(t.id);
      if (since !== undefined && (t.to === "publishing" || t.to === "completed")) {
        const samples = this.durations.get(t.kind) ?? [];
        samples.push(t.at - since);
        if (samples.length > SAMPLES_PER_KIND) samples.shift();
        this.durations.set(t.kind, samples);
      }
    }
    if (t.to === "completed") {
      this.completions.push(t.at);
      this.forgetOldCompletions();
    }
  }

  /** Tasks that completed in the last minute. */
  throughputPerMinute(): number {
    this.forgetOldCompletions();
    return this.completions.length;
  }

  /** Proving time (fetching input and proving) of the last proofs of each kind. */
  provingDurations(): Record<string, DurationPercentiles> {
    const out: Record<string, DurationPercentiles> = {};
    for (const [kind, samples] of this.durations) {
      const sorted = [...samples].sort((a, b) => a - b);
      out[kind] = { p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), samples: sorted.length };
    }
    return out;
  }

  private forgetOldCompletions(): void {
    const cutoff = this.now() - MINUTE_MS;
    let stale = 0;
    while (stale < this.completions.length && this.completions[stale]! < cutoff) stale++;
    this.completions.splice(0, stale);
  }
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}
