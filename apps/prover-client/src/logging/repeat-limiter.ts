/** What `RepeatLimiter.admit` decides for one occurrence. */
export type RepeatVerdict =
  | {
      readonly log: true /** Occurrences dropped since this key was last logged. */;
      readonly suppressed: number;
    }
  | { readonly log: false };

export interface RepeatLimiterOptions {
  /** A key is logged at most once per this many milliseconds. */
  readonly windowMs: number;
  /** Keys remembered at once; the oldest is forgotten beyond it, so hostile input cannot grow it. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/**
 * Lets the same message through at most once per window and counts what it held back, so a
 * failure repeated every tick or by every request (a CL that is down, a flood of bad calls) costs
 * one line per window, and that line says how many were left out.
 */
export class RepeatLimiter {
  readonly #seen = new Map<string, { loggedAt: number; suppressed: number }>();
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: RepeatLimiterOptions) {
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  admit(key: string): RepeatVerdict {
    const now = this.#now();
    const entry = this.#seen.get(key);
    if (entry !== undefined && now - entry.loggedAt < this.#windowMs) {
      entry.suppressed++;
      return { log: false };
    }
    const suppressed = entry?.suppressed ?? 0;
    // Re-inserted, so the map's order is the order of last logging and the first key the oldest.
    this.#seen.delete(key);
    this.#seen.set(key, { loggedAt: now, suppressed: 0 });
    if (this.#seen.size > this.#maxKeys) this.#seen.delete(this.#seen.keys().next().value!);
    return { log: true, suppressed };
  }
}
