import type { ProgramDescriptor } from "./program.js";
import type { ProofReceipt, ZkVm } from "./receipt.js";
import type { Backend } from "./task-id.js";

export interface ProveOptions {
  /**
   * Aborted when the task is cancelled (`TaskCancelledError`), its proof times out
   * (`ProveTimeoutError`), the service closes (`ServiceClosedError`) or this instance lost the
   * task's lease (`LeaseLostError`): the host stops the attempt. A host that runs jobs elsewhere
   * cancels its job for the first two and leaves it running for the others, to be resumed.
   */
  readonly signal: AbortSignal;
  /** The task's remote job, for hosts that prove elsewhere (see `RemoteJob`). */
  readonly job?: RemoteJob;
}

/**
 * A remote job persisted with the task: a host that proves elsewhere records the job's id before
 * it waits on it, so after a restart or a takeover the next attempt polls the same job instead of
 * proving again.
 */
export interface RemoteJob {
  /** The job a previous attempt started, if any. */
  readonly previousId?: string;
  /** A name for the work that stays the same across attempts (the task key). */
  readonly requestId: string;
  /**
   * True when no attempt follows this one's transient failure (the task's retries are used up): a
   * host starts no job for a next attempt, which would prove on the server for nobody.
   */
  readonly lastAttempt?: boolean;
  /** Stores the job id with the task; throws `LeaseLostError` when this attempt no longer owns it. */
  record(jobId: string): Promise<void>;
  /**
   * Says whether the job waits in the server's queue (true) or runs (false), at each status read.
   * Present when the kind has a prove timeout, which bounds how long a proof runs: the time a job
   * waits behind other work on a busy server does not count.
   */
  queued?(queued: boolean): void;
}

/**
 * Turns a program and its input into a receipt. Implementations live outside core (the native
 * host in @paas/zkvm). A host classifies its own failures: a guest that rejects its input throws
 * `PermanentError`; a crashed worker or lost connection throws `TransientError`.
 */
export interface ZkVmHost {
  readonly backend: Backend;
  readonly zkvm: ZkVm;
  /** How many proofs the host can run at once; the scheduler's default concurrency for the backend. */
  readonly concurrency: number;
  prove(program: ProgramDescriptor, input: unknown, options: ProveOptions): Promise<ProofReceipt>;
  /**
   * Hosts that prove elsewhere: stops the job an attempt recorded (`RemoteJob.record`) when its task
   * is cancelled. An attempt in flight cancels the job it waits on itself; this reaches one that an
   * earlier attempt left running. Cancelling a finished or unknown job is not an error.
   */
  cancelJob?(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Maps (kind, backend) to a host: the TypeScript form of the ADR's `resolve_host!`, decided from
 * config at startup instead of compile-time features.
 */
export interface HostResolver {
  /** Every backend this resolver serves, with its concurrency limit. */
  backends(): readonly BackendSlots[];
  hostFor(kind: string, backend: Backend): ZkVmHost | undefined;
}

export interface BackendSlots {
  readonly backend: Backend;
  readonly concurrency: number;
}
