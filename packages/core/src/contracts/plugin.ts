import type { ProofContext } from "./context.js";
import type { ProverHandle } from "./handle.js";
import type { ProofReceipt } from "./receipt.js";
import type { TaskId } from "./task-id.js";

/** A proven dependency, handed to `fetchInput` in the order `dependencies` returned it. */
export interface DependencyReceipt {
  readonly taskId: TaskId;
  readonly receipt: ProofReceipt;
}

export interface StepContext {
  readonly taskId: TaskId;
  /** Aborted when the task is cancelled or the service closes. */
  readonly signal: AbortSignal;
}

/** What the service hands a plugin's RPC method with each call. */
export interface PluginRpcCall {
  /**
   * Aborts at the call's deadline or when the service closes: pass it to every node call the
   * method makes, so a silent node does not hold the caller.
   */
  readonly signal: AbortSignal;
}

/**
 * An RPC method a plugin contributes to the prover client's JSON-RPC server.
 * `handler` validates its own params and throws `InvalidParamsError` on bad ones. `call` is absent
 * only where a test calls the method directly.
 */
export interface PluginRpcMethod {
  readonly description: string;
  /** Changes state (submits, cancels): guarded by the bearer token when one is configured. */
  readonly mutates: boolean;
  handler(params: unknown, call?: PluginRpcCall): Promise<unknown>;
}

/** Long-running work a plugin contributes, started after launch and stopped before close. */
export interface BackgroundService {
  readonly name: string;
  /**
   * `instance` (the default): runs on every instance. `cluster`: runs on one instance of those
   * sharing the database, elected through it, and moves to another when that one stops (the
   * checkpoint runner: two would submit the same checkpoints).
   */
  readonly scope?: "instance" | "cluster";
  start(): void | Promise<void>;
  /** Also called after a `start()` that threw, to undo what it began: it must be safe then. */
  stop(): Promise<void>;
}

/**
 * One proof type. Implemented by a class decorated with `@ProofPlugin`, whose constructor takes
 * its collaborators (RPC clients, config) from the container with `@inject(token)`.
 *
 * Failures: throw `TransientError` for what a retry can fix, `PermanentError` for what it cannot.
 * Anything else counts as transient (see `classifyFailure`).
 */
export interface ProofPluginHandler<C extends ProofContext = ProofContext, I = unknown> {
  /**
   * Validates a context at submit time and returns it normalised (e.g. lower-case hex), so that
   * equal contexts have equal canonical forms. Throws `InvalidContextError`; nothing is stored.
   */
  parseContext(raw: ProofContext): C;

  /**
   * Refuses, before anything is stored, a context that can never be proven: one naming what the
   * chain will not produce within the plugin's horizon (a checkpoint far beyond the CL's latest, a
   * block hash the node contradicts). Throws `InvalidContextError` saying why. Called for every
   * submission from outside (RPC, the plugin's own runner), not for dependencies, which plugins
   * derive from the chain. What does not exist yet but is within reach is accepted and waits: the
   * plugin throws `NotYetAvailableError` from `dependencies` or `fetchInput` until it exists.
   * A node that cannot be asked is no reason to refuse: accept, and let the task wait for it.
   * Core holds to that: only `InvalidContextError` refuses; anything else thrown here is logged as
   * a warning and the task is accepted. `signal` aborts 3 s in (`ADMISSION_DEADLINE_MS`): pass it
   * to every node call, so a silent node does not hold the submit.
   */
  admit?(context: C, options: { readonly signal: AbortSignal }): Promise<void>;

  /**
   * Contexts that must be proven before this one, each on its own kind's backend. Resolved once,
   * then stored.
   */
  dependencies?(context: C, step: StepContext): readonly ProofContext[] | Promise<readonly ProofContext[]>;

  /** The program input, built from the chain and the dependencies' receipts. */
  fetchInput(context: C, dependencies: readonly DependencyReceipt[], step: StepContext): Promise<I>;

  /**
   * Publication after the receipt is stored (e.g. submitting a checkpoint proof to the CL).
   * Retried on its own with backoff; a failure here never causes the proof to be made again.
   */
  afterStore?(context: C, receipt: ProofReceipt, step: StepContext): Promise<void>;

  /**
   * Why a stored proof of this kind is not the one this plugin would make now, beyond its
   * program's version (core compares that itself): a setting it is proven under changed since,
   * as an EVM chain spec an operator corrected. Undefined while it is. A dependent that finds its
   * dependency's proof stale has it proven again and waits for it; a proof made now must be
   * current, or its dependents give up after their retries. Quick and synchronous: it is asked for
   * every dependency proof a dependent is about to be given.
   */
  staleProofReason?(receipt: ProofReceipt): string | undefined;

  /** JSON-RPC methods this proof type adds to the prover client, by method name. */
  rpcMethods?(handle: ProverHandle): Readonly<Record<string, PluginRpcMethod>>;

  /** Background services (e.g. the checkpoint runner). */
  services?(handle: ProverHandle): readonly BackgroundService[];

  /**
   * Facts about this proof type for operators (e.g. the latest checkpoint accepted by the CL),
   * shown in `paas_getReport` and the progress view. Must be cheap and must not throw for long:
   * a failure, or no answer within 5 s, is reported as `{ error }`. A string `attention` names a
   * problem going on now (null or absent otherwise); the progress view draws it under its
   * headline, where it is not cut.
   */
  report?(): Promise<Readonly<Record<string, unknown>>>;
}
