/** Time, injectable so backoff can be tested without waiting. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

export type ClockTimer = unknown;

/**
 * The longest delay a Node timer waits (2^31 - 1 ms, about 24.8 days): a longer one fires after
 * 1 ms. Settings that become timer delays are bounded by it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // A pending retry must not keep a closing process alive.
    timer.unref();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
