/** Options shared by the CL and EL clients. */
export interface RollupClientOptions<M extends string> {
  readonly url: string | URL;
  /** Default per-call deadline. Default 30 s. */
  readonly timeoutMs?: number;
  /** Per-method deadlines, e.g. a longer one for execution witnesses. */
  readonly methodTimeoutsMs?: Partial<Record<M, number>>;
  readonly bearerToken?: string;
}
