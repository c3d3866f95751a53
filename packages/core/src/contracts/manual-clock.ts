import type { Clock, ClockTimer } from "./clock.js";

interface Pending {
  readonly at: number;
  readonly callback: () => void;
}

/** A clock that moves only when told to, for tests of backoff and timeouts. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Set<Pending>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer = { at: this.current + Math.max(0, delayMs), callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer as Pending);
  }

  /** Moves time forward, firing every timer that falls due, in order of due time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.current = due.at;
      due.callback();
    }
    this.current = target;
  }

  /** Due time of the earliest timer, if any. */
  nextTimerAt(): number | undefined {
    const ats = [...this.timers].map((t) => t.at);
    return ats.length > 0 ? Math.min(...ats) : undefined;
  }
}
