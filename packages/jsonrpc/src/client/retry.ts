import type { JsonRpcCallError } from "../errors.js";

/** Retries of one call inside one attempt of a task: short, jittered, bounded. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1: never retry). Default 4. */
  readonly attempts?: number;
  /** The pause before the first retry; each next one doubles, up to `maxDelayMs`. Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Default 2,000 ms. */
  readonly maxDelayMs?: number;
  /**
   * The longest pause a node's `Retry-After` (on a 408, 429 or 5xx) is granted before a retry.
   * Default 10,000 ms: waiting longer is the task's backoff's business, not one call's.
   */
  readonly maxRetryAfterMs?: number;
}

export const DEFAULT_CALL_RETRY: Required<RetryPolicy> = {
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 10_000,
};

/**
 * Whether a failed exchange is worth repeating at once: what a network or proxy can cause
 * (unreachable, reset, timeout, HTTP 5xx/429/408, a body cut short or mangled, a transient
 * JSON-RPC error). Never the caller's own abort, nor anything the node meant (permanent codes, a
 * result that does not fit its schema).
 */
export function isRetryable(error: JsonRpcCallError): boolean {
  return error.code === "TRANSIENT_FAILURE" && error.failure !== "aborted";
}

/**
 * Full jitter ("Exponential Backoff And Jitter", AWS architecture blog): a random pause up to the
 * exponential bound, so clients that failed together do not retry together.
 */
export function retryDelay(
  policy: Required<RetryPolicy>,
  retry: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * bound);
}

/**
 * The pause before retry number `retry`: the jittered backoff, or the node's `Retry-After` when it
 * asked for longer, up to `maxRetryAfterMs`.
 */
export function pauseBeforeRetry(
  policy: Required<RetryPolicy>,
  retry: number,
  error: JsonRpcCallError,
): number {
  const asked = Math.min(error.retryAfterMs ?? 0, policy.maxRetryAfterMs);
  return Math.max(retryDelay(policy, retry), asked);
}

/**
 * A `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date) as milliseconds from `now`;
 * undefined when absent or unreadable. A date already past is 0.
 */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
