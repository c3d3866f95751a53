import type { ProgramDescriptor } from "./program.js";
import type { ProofReceipt, ZkVm } from "./receipt.js";
import type { Backend } from "./task-id.js";

export interface ProveOptions {
  /** Aborted when the task is cancelled or the service closes: the host stops the attempt. */
  readonly signal: AbortSignal;
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
