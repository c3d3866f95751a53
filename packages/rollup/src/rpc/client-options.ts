import type { RetryPolicy } from "@paas/jsonrpc";

/** Options shared by the CL and EL clients. */
export interface RollupClientOptions<M extends string> {
  readonly url: string | URL;
  /** Default per-call deadline. Default 30 s. */
  readonly timeoutMs?: number;
  /** Per-method deadlines, e.g. a longer one for execution witnesses. */
  readonly methodTimeoutsMs?: Partial<Record<M, number>>;
  readonly bearerToken?: string;
  /** How read calls are retried within an attempt after a failure a network can cause. */
  readonly retry?: RetryPolicy;
}
