import { InvalidConfigError } from "../errors.js";

/** Exponential backoff. Defaults are the Rust original's: 15 retries, 5 s base, ×1.5, 1 h cap. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 15,
  baseDelayMs: 5_000,
  multiplier: 1.5,
  maxDelayMs: 3_600_000,
};

/** Delay before retry number `retryCount` (1 for the first retry): base × multiplier^(n−1), capped. */
export function backoffDelay(policy: RetryPolicy, retryCount: number): number {
  const delay = policy.baseDelayMs * policy.multiplier ** Math.max(0, retryCount - 1);
  return Math.min(policy.maxDelayMs, Math.round(delay));
}

export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0)
    problems.push("maxRetries must be an integer >= 0");
  if (!(policy.baseDelayMs >= 0)) problems.push("baseDelayMs must be >= 0");
  if (!(policy.multiplier >= 1)) problems.push("multiplier must be >= 1");
  if (!(policy.maxDelayMs >= policy.baseDelayMs)) problems.push("maxDelayMs must be >= baseDelayMs");
  if (problems.length > 0) throw new InvalidConfigError(`retry policy: ${problems.join("; ")}`);
  return policy;
}
