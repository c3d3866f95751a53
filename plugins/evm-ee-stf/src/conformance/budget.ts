/** At most `size` holders at once; the others wait in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async hold<T>(run: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}

/** A test ran out of its time. */
export class TestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms of its own work`);
    this.name = "TestTimeoutError";
  }
}

/**
 * One test's time: spent only while it holds a witness thread or a proving worker, so a test that
 * waits behind a heavy one keeps its whole budget. Each step runs with an `AbortSignal` that fires
 * when the budget is spent (which stops the worker running it).
 */
export class TimeBudget {
  #leftMs: number;

  constructor(readonly timeoutMs: number) {
    this.#leftMs = timeoutMs;
  }

  async step<T>(slots: Slots, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return slots.hold(async () => {
      if (this.#leftMs <= 0) throw new TestTimeoutError(this.timeoutMs);
      const signal = AbortSignal.timeout(Math.ceil(this.#leftMs));
      const started = performance.now();
      try {
        return await run(signal);
      } catch (error) {
        if (signal.aborted) throw new TestTimeoutError(this.timeoutMs);
        throw error;
      } finally {
        this.#leftMs -= performance.now() - started;
      }
    });
  }
}
