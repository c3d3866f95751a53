import type { ProofPluginHandler } from "../contracts/plugin.js";
import type { ProgramDescriptor } from "../contracts/program.js";
import type { ProofReceipt } from "../contracts/receipt.js";
import { backoffDelay, type RetryPolicy } from "../contracts/retry.js";
import type { TaskPhase, TaskStatusName } from "../contracts/status.js";
import {
  classifyFailure,
  DatabaseRefusedError,
  errorMessage,
  NotYetAvailableError,
  OutdatedProofError,
} from "../errors.js";

/**
 * The lifecycle's rules: which transition happens when. The store persists and claims; the
 * scheduler runs steps; every decision about where a task goes next is made here. The allowed
 * transitions themselves are the table in `contracts/status.ts`.
 *
 *   submit ─► pending (has dependencies) │ queued
 *   pending ─resolve─► blocked (some dependency unfinished) │ queued (all completed)
 *                      │ permanent_failure (a dependency failed or was cancelled; a cycle)
 *   blocked ─► queued when its last dependency completes │ permanent_failure when one fails
 *   queued ─claim─► proving ─► publishing (the plugin publishes) │ completed
 *   publishing ─publish─► completed
 *   any step ─failure─► transient_failure (retry after backoff) │ permanent_failure
 *   transient_failure ─backoff elapsed─► the status its step starts from
 *   a held step whose lease expired ─► the status its step starts from, one interruption more,
 *                                     or permanent_failure after too many
 *   permanent_failure, cancelled ─resubmit─► the first step not yet done
 *   proving ─a dependency's proof is stale─► blocked (a retry more), that dependency: completed ─►
 *                                           its first step
 *   publishing ─its proof is outdated─► permanent_failure, the proof dropped
 *   completed ─its proof is outdated─► its first step, the proof dropped (see `afterOutdatedProof`)
 */

/** Where each step starts from: what a claim for the step looks for. */
export const STEP_START: Readonly<Record<TaskPhase, "pending" | "queued" | "publishing">> = {
  resolve: "pending",
  prove: "queued",
  publish: "publishing",
};

/** The status a claim for the step moves the task to (resolve and publish keep theirs). */
export const STEP_RUNNING: Readonly<Record<TaskPhase, TaskStatusName>> = {
  resolve: "pending",
  prove: "proving",
  publish: "publishing",
};

/** A dependency in one of these statuses will never complete: its dependents fail. */
export const DEPENDENCY_DEAD: readonly TaskStatusName[] = ["permanent_failure", "cancelled"];

/** Statuses a resubmission starts again; any other is left as it is (idempotent submit). */
export const RESTARTABLE: readonly TaskStatusName[] = ["permanent_failure", "cancelled"];

/** Statuses an operator's cancel leaves alone (terminal) or refuses (finished). */
export const NOT_CANCELLABLE: readonly TaskStatusName[] = ["completed", "permanent_failure"];

export interface StepStart {
  readonly status: TaskStatusName;
  readonly phase: TaskPhase;
}

/**
 * Why a dependency's proof is stale, or undefined while it is current. Stale is a proof made by
 * another version of its kind's program (a plugin upgraded since), or one its plugin says it would
 * not make now (`staleProofReason`: a setting it is proven under changed). Its dependent's program
 * expects what the plugin makes now (a recursive guest checks the version of each proof it
 * verifies), so the dependency is proven again and its dependent waits for it. A resubmission of
 * the dependency itself still returns its proof.
 */
export function staleProofReason(
  receipt: ProofReceipt,
  program: ProgramDescriptor,
  plugin: Pick<ProofPluginHandler, "staleProofReason">,
): string | undefined {
  return otherVersion(receipt, program) ?? plugin.staleProofReason?.(receipt);
}

/** How a proof names another version of its program than the one registered now, if it does. */
export function otherVersion(receipt: ProofReceipt, program: ProgramDescriptor): string | undefined {
  if (receipt.metadata.version === program.version) return undefined;
  return `made by version "${receipt.metadata.version}" of program "${program.name}", which is at version "${program.version}" now`;
}

/**
 * A dependent that found stale dependency proofs waits for them to be proven again, and the detour
 * counts as a retry: a plugin that calls even fresh proofs stale ends its dependents with their
 * retries instead of proving for ever. Returns the error to fail with once they are used up. One
 * detour is allowed whatever the policy: with `maxRetries` 0 (no failure retried) a plugin upgrade
 * failed every dependent of an older proof for good, though a stale proof is no failure.
 */
export function staleDetourRefused(
  retryCount: number,
  policy: RetryPolicy,
  reasons: readonly string[],
): string | undefined {
  if (retryCount < Math.max(policy.maxRetries, 1)) return undefined;
  const retries = `${retryCount} ${retryCount === 1 ? "retry" : "retries"}`;
  return `gave up after ${retries}: dependency proofs still stale: ${reasons.join("; ")}`;
}

/** A new task: kinds with dependencies resolve them first; the others have nothing to wait for. */
export function firstStep(hasDependencies: boolean): StepStart {
  return hasDependencies ? { status: "pending", phase: "resolve" } : { status: "queued", phase: "prove" };
}

/** A resubmitted task starts from publication when its proof is already stored (never proves twice). */
export function restartStep(hasReceipt: boolean, hasDependencies: boolean): StepStart {
  return hasReceipt ? { status: "publishing", phase: "publish" } : firstStep(hasDependencies);
}

/**
 * Whether a failure drops the task's stored proof with it: a publication that found its proof
 * outdated (`OutdatedProofError`, the chain it proves was reorganised). Kept, every resubmission
 * published it again and was refused again, and the task was never proven anew.
 */
export function dropsProof(phase: TaskPhase, error: unknown): boolean {
  return phase === "publish" && error instanceof OutdatedProofError;
}

/** The one status a task's proof can be taken back from as outdated (see `afterOutdatedProof`). */
export const OUTDATABLE: TaskStatusName = "completed";

/**
 * A completed task whose plugin found its proof outdated after it completed (the chain it proves
 * was reorganised under it, e.g. a checkpoint the CL accepted, then lost with the blocks it
 * replaced): the proof and the completion are dropped, fenced by the attempt that made the proof,
 * and the task starts from its first step. A kind with dependencies resolves them again, from the
 * chain as it is now, so proofs of replaced blocks, named by their contexts, are not reused; its
 * stored proof, never published again. Its history records why (outcome `outdated`).
 */
export function afterOutdatedProof(hasDependencies: boolean): StepStart {
  return firstStep(hasDependencies);
}

/** After a proof is stored: publication when the plugin publishes, else done. */
export function afterProof(publishes: boolean): "publishing" | "completed" {
  return publishes ? "publishing" : "completed";
}

export interface DependencyState {
  readonly id: string;
  readonly kind: string;
  readonly context: string;
  readonly status: TaskStatusName;
  readonly error: string | null;
}

export type ResolutionOutcome =
  | { readonly to: "queued" | "blocked" }
  | { readonly to: "permanent_failure"; readonly error: string };

/** Dependencies recorded: failed if one will never complete, queued if all did, else blocked. */
export function afterResolution(dependencies: readonly DependencyState[]): ResolutionOutcome {
  const dead = dependencies.find((d) => DEPENDENCY_DEAD.includes(d.status));
  if (dead) return { to: "permanent_failure", error: dependencyFailure(dead) };
  return { to: dependencies.every((d) => d.status === "completed") ? "queued" : "blocked" };
}

/**
 * The reason a dependent fails with: names the dependency, its context and what happened to it,
 * which for a dependency that failed on one of its own is that reason, and so on down to the first
 * failure. Bounded (see `bounded`): quoted whole, the error grew by a level's words at every level
 * (85 kB at the top of a chain 1,000 deep, 42 MB written by the one cascade).
 */
export function dependencyFailure(dep: DependencyState): string {
  const what = dep.status === "cancelled" ? "was cancelled" : `failed: ${dep.error ?? "unknown error"}`;
  return bounded(`dependency ${dep.kind} ${dep.id} ${dep.context} ${what}`);
}

/** The reason a task in a dependency cycle fails with: names it as a dependency failure does. */
export function cycleFailure(task: Pick<DependencyState, "id" | "kind" | "context">): string {
  return `dependency cycle: ${task.kind} ${task.id} ${task.context} depends on itself, through its dependencies`;
}

const MAX_ERROR_LENGTH = 4_000;
/** What a bounded message keeps of its start: the dependency a dependent failed on. */
const KEPT_HEAD = 1_000;
const ELISION = " … ";

/**
 * A message of at most MAX_ERROR_LENGTH characters, its middle cut when longer: its start names
 * the task's own dependency and its end the failure the chain began with.
 */
function bounded(message: string): string {
  if (message.length <= MAX_ERROR_LENGTH) return message;
  const tail = MAX_ERROR_LENGTH - KEPT_HEAD - ELISION.length;
  return `${message.slice(0, KEPT_HEAD)}${ELISION}${message.slice(-tail)}`;
}

export type FailureOutcome =
  | {
      readonly to: "transient_failure";
      readonly retryCount: number;
      readonly nextAttemptAt: number;
      readonly error: string;
      /** A wait for the chain, not a failure (see `TaskTransition.waiting`). */
      readonly waiting?: true;
    }
  | { readonly to: "permanent_failure"; readonly error: string };

/**
 * A failed attempt: retried after backoff while the policy allows, else permanent. Waiting for the
 * chain to produce what the context names (`NotYetAvailableError`), or for the task database to
 * answer (`DatabaseRefusedError`), is retried without counting.
 */
export function afterFailure(
  error: unknown,
  retryCount: number,
  policy: RetryPolicy,
  now: number,
  waitForChainMs: number,
): FailureOutcome {
  const message = errorMessage(error).slice(0, MAX_ERROR_LENGTH);
  if (error instanceof NotYetAvailableError) {
    const delay = error.retryAfterMs ?? waitForChainMs;
    return { to: "transient_failure", retryCount, nextAttemptAt: now + delay, error: message, waiting: true };
  }
  if (error instanceof DatabaseRefusedError && error.unreachable) {
    // The task database was out of reach for the step's own call (a restart ended its session,
    // every slot was taken), not the work: run again once it answers, its retries kept. Counted,
    // each restart of the server during a step used a retry and a flapping database failed tasks
    // that were sound. A statement the role's statement_timeout cancels may be cancelled every
    // time: that one counts, so it cannot retry for ever.
    return {
      to: "transient_failure",
      retryCount,
      nextAttemptAt: now + backoffDelay(policy, 1),
      error: message,
    };
  }
  if (classifyFailure(error) === "permanent") return { to: "permanent_failure", error: message };
  const next = retryCount + 1;
  if (next > policy.maxRetries) {
    return { to: "permanent_failure", error: `gave up after ${policy.maxRetries} retries: ${message}` };
  }
  return {
    to: "transient_failure",
    retryCount: next,
    nextAttemptAt: now + backoffDelay(policy, next),
    error: message,
  };
}

/**
 * An attempt whose lease expired: its instance crashed, hung or lost the database. It counts, so a
 * task that kills the process every time it runs ends instead of looping.
 */
export function afterInterruption(
  phase: TaskPhase,
  interruptions: number,
  maxInterruptions: number,
  owner: string | null,
): { readonly to: TaskStatusName; readonly error: string } {
  const lost = `attempt interrupted: instance ${owner ?? "unknown"} stopped renewing its lease during ${phase}`;
  if (interruptions > maxInterruptions) {
    return {
      to: "permanent_failure",
      error: `interrupted ${interruptions} times, more than the ${maxInterruptions} allowed: it may be crashing the prover; last: ${lost}`,
    };
  }
  return { to: STEP_START[phase], error: lost };
}

/** Why an attempt ended, as the history records it. */
export type AttemptOutcome =
  | "resolved"
  | "proven"
  | "published"
  | "transient_failure"
  /** What the context names is not produced yet (`NotYetAvailableError`): a wait, not a failure. */
  | "waiting"
  | "permanent_failure"
  | "interrupted"
  | "released"
  | "cancelled"
  | "lease_lost"
  /** A dependency's proof was stale: it is proven again and this task waits for it. */
  | "stale_dependencies"
  /** The completed task's proof was found outdated: dropped, and the task proven again (`afterOutdatedProof`). */
  | "outdated";
