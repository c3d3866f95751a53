/**
 * One queue under test. Every system runs the same workload: `jobs` no-op jobs submitted in
 * batches of `batch` (one bulk call each), consumed by one worker with `concurrency` slots whose
 * handler does nothing; a job counts once the system has durably recorded it as completed.
 */
export interface QueueSystem {
  readonly name: string;
  /** A fresh store (file, schema or queue) and a worker that is ready: nothing here is timed. */
  start(concurrency: number): Promise<StartedSystem>;
}

export interface StartedSystem {
  /** Submits the jobs and resolves when every one is completed: this is what is timed. */
  run(jobs: number, batch: number): Promise<void>;
  /** Stops the worker and throws the store away. */
  stop(): Promise<void>;
}

/** Indexes of one batch: [from, from + 1, …] up to `batch` of them and never past `jobs`. */
export function batchIndexes(from: number, batch: number, jobs: number): number[] {
  return Array.from({ length: Math.min(batch, jobs - from) }, (_, k) => from + k);
}

/** `done` resolves once `tick()` has been called `n` times. */
export function countdown(n: number): { tick(): void; done: Promise<void> } {
  let left = n;
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    tick() {
      if (--left === 0) resolve();
    },
    done,
  };
}
