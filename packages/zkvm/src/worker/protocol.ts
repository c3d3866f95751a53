/** Messages between the native host and its proving workers (structured-cloned by piscina). */

/** `workerData` of every proving worker. */
export interface WorkerData {
  /** Marks the thread as a proving worker, so the host side refuses to load in it. */
  readonly zkvmProvingWorker: true;
  /** Put the worker under SCHED_IDLE as it starts (see `setIdleScheduling`). */
  readonly idleScheduling: boolean;
  /**
   * Keys (hex) whose receipts `readVerified` accepts as inner proofs: the host's own first, then
   * those of other backends it trusts. The secret key never leaves the main thread.
   */
  readonly trustedPublicKeys: readonly string[];
}

export interface WorkerTask {
  readonly moduleUrl: string;
  readonly programIdHex: string;
  /** Framed input items, in a buffer of their own (transferred to the worker). */
  readonly input: Uint8Array<ArrayBuffer>;
}

/**
 * Guest and program-loading failures come back as values, not as thrown errors, so the host can
 * tell them (permanent: the same input fails again) from a crashed worker (transient).
 */
export type WorkerResult =
  | { readonly ok: true; readonly publicValues: Uint8Array; readonly guestMs: number }
  | { readonly ok: false; readonly stage: "load" | "guest"; readonly message: string };

export function isProvingWorker(data: unknown): boolean {
  return (
    typeof data === "object" && data !== null && (data as Partial<WorkerData>).zkvmProvingWorker === true
  );
}
