import type { PluginLogger } from "@paas/core";
import {
  type BackgroundService,
  backoffDelay,
  errorMessage,
  OutdatedProofError,
  PaasError,
  type ProverHandle,
  type TaskRecord,
} from "@paas/core";
import { CHECKPOINT, type ClClient } from "@paas/rollup";
import { checkpointContext } from "./context.js";
import { type CheckpointFacts, forgetBelow, type StuckCheckpoint } from "./facts.js";
import { CheckpointRejectedError, publishCheckpoint } from "./publication.js";
import { type CheckpointSettings, MAX_FAILED_RETRY_DELAY_MS } from "./settings.js";

export interface CheckpointRunnerOptions {
  readonly cl: ClClient;
  readonly handle: ProverHandle;
  /** With the backend the runner submits on: the checkpoint kind's. */
  readonly settings: CheckpointSettings & { readonly backend: string };
  readonly facts: CheckpointFacts;
  readonly logger: PluginLogger;
  /** Epoch milliseconds now; the runner's resubmission schedule runs on it. */
  readonly now?: () => number;
}

/** What one tick did, for tests and logs. */
export interface TickOutcome {
  /** Checkpoints a task was created for, in order. */
  readonly submitted: number[];
  /** Completed checkpoints the CL still listed as unproven, whose stored proof was published again. */
  readonly republished: number[];
  /** Completed checkpoints whose stored proof was of blocks the CL has replaced: taken back to be proven again. */
  readonly reproven: number[];
  /** Failed checkpoints the runner submitted again under its retry policy. */
  readonly retried: number[];
}

/**
 * How many checkpoints from the CL's next unproven one a tick looks at, whatever is stuck there;
 * those it knows the CL has proven are passed without a look.
 */
const MAX_LOOKAHEAD = 256;

/**
 * While ticks fail (the CL is down, or answers what cannot be read), the wait before the next one
 * doubles from `interval_ms` up to this (or `interval_ms`, if longer). At a fixed rate, a CL down
 * for ten minutes was asked over a hundred times, each call with its own retries; capped here, one
 * back is heard from within half a minute (and at once when a checkpoint task finishes meanwhile).
 */
const OUTAGE_MAX_DELAY_MS = 30_000;
/** While ticks keep failing, the warning is repeated this often: a log read later still says so. */
const OUTAGE_REMINDER_MS = 600_000;

interface FailedCheckpoint {
  /** Resubmissions made so far. */
  retries: number;
  retryAt: number;
  /** Its current failure was seen (and logged): its wait runs from then. */
  warned: boolean;
}

interface UnpublishedCheckpoint {
  /** Publications that failed so far. */
  readonly retries: number;
  readonly retryAt: number;
  readonly error: string;
}

/**
 * The checkpoint runner: keeps the prover up with the CL's checkpoints on its own, and never stalls
 * behind one of them.
 *
 * Each tick reads `cl_getLatestCheckpointIndex` and `cl_getNextUnprovenCheckpointIndex` and walks
 * up from the next unproven one, keeping at most `window` checkpoints in flight. Per checkpoint,
 * the task store says what to do:
 * - no task → submit it (its CL STF dependencies come with it through the scheduler);
 * - in flight → nothing; it occupies a place in the window;
 * - failed permanently → passed over, so later checkpoints proceed; resubmitted on the runner's own
 *   schedule (`failed_retries`, `failed_retry_delay_ms`, doubling), since its cause may be gone;
 * - cancelled → passed over and left alone: an operator's cancel is respected;
 * - completed → if the CL does not list it as proven, its stored proof is published again (a CL
 *   that lost it); `publishCheckpoint` asks before it submits, and a checkpoint known proven is not
 *   asked about again until the CL shows it lost proofs (it lists one of them as its next unproven).
 *   A stored proof of blocks the CL has replaced since (a reorg) is not submitted: the task is taken
 *   back to be proven again from the new chain (`ProverHandle.reproveOutdated`).
 * Stuck checkpoints and why are in `report()` (`stuck`).
 *
 * The position lives in durable state (the CL's next unproven index, the task store), so a restart
 * neither skips nor duplicates a checkpoint; the retry schedule of failed ones is this process's
 * and starts over after a restart. The runner is a once-per-cluster service: with several
 * instances on one database, one of them runs it.
 */
export class CheckpointRunner implements BackgroundService {
  readonly name = "checkpoint-runner";
  readonly scope = "cluster" as const;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #controller = new AbortController();
  #unsubscribe: (() => void) | undefined;
  readonly #failures = new Map<number, FailedCheckpoint>();
  /** Completed checkpoints whose republication the CL did not take (not a rejection): tried again later. */
  readonly #unpublished = new Map<number, UnpublishedCheckpoint>();
  /**
   * Cancelled checkpoints already warned of: each holds the CL back until an operator resubmits it,
   * said once (a failed one is warned of as it fails), not at every tick.
   */
  readonly #cancelledWarned = new Set<number>();
  /** Consecutive failed ticks (0 while the CL answers). */
  #failedTicks = 0;
  /** While ticks fail: when the first failed, and when the last warning said so (the runner's clock). */
  #outage: { since: number; warnedAt: number } | undefined;
  /** Checkpoints whose task completed since the current tick polled the CL (the poll may predate it). */
  readonly #completedSincePoll = new Set<number>();

  constructor(private readonly options: CheckpointRunnerOptions) {}

  start(): void {
    const { settings, handle, facts } = this.options;
    if (!settings.runner) {
      facts.runner = "off";
      return;
    }
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#controller = new AbortController();
    facts.runner = "on";
    this.#unsubscribe = handle.onTransition((t) => {
      if (t.kind !== CHECKPOINT.kind || t.backend !== settings.backend) return;
      const index = Number(t.context.index);
      if (t.to === "completed") {
        this.#completedSincePoll.add(index);
        this.#failures.delete(index);
      }
      if (t.to === "completed" || t.to === "permanent_failure" || t.to === "cancelled") this.#wake();
    });
    this.#schedule(0);
  }

  /** Stops polling: no timer is left, an in-flight tick is aborted and awaited. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // Its instance stepped down, and another runs it (or this one is closing).
    this.options.facts.runner = "elsewhere";
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#controller.abort(new Error("the checkpoint runner is stopping"));
    await this.#running;
    // What it found stuck is kept current by its ticks only. Stopped while the process lives on
    // (its instance stepped down and another runs the runner), it would be reported, and shown
    // on this instance's dashboard as waiting for an operator, long after being dealt with.
    this.options.facts.stuck.clear();
  }

  /** One pass over the window (what each timer tick runs). Throws what failed, e.g. the CL being down. */
  async tick(signal: AbortSignal = this.#controller.signal): Promise<TickOutcome> {
    const { cl, facts, settings } = this.options;
    this.#completedSincePoll.clear();
    const [latest, next] = await Promise.all([
      cl.getLatestCheckpointIndex({ signal }),
      cl.getNextUnprovenCheckpointIndex({ signal }),
    ]);
    facts.polled(latest, next, this.#now());
    // Below the CL's next unproven checkpoint nothing is visited again (see `CheckpointFacts`): a
    // failure or publication retried elsewhere (another instance finished it) is forgotten too.
    forgetBelow(facts.provenBelow!, this.#failures);
    forgetBelow(facts.provenBelow!, this.#unpublished);
    forgetBelow(facts.provenBelow!, this.#cancelledWarned);
    const outcome: TickOutcome = { submitted: [], republished: [], retried: [], reproven: [] };
    const stuck = new Map<number, StuckCheckpoint>();
    if (latest !== null && next !== null) {
      let inFlight = 0;
      let lookedAt = 0;
      for (
        let index = next;
        index <= latest && inFlight < settings.window && lookedAt < MAX_LOOKAHEAD;
        index++
      ) {
        signal.throwIfAborted();
        // Proven by the CL's account: nothing to do or ask. Counted against the lookahead, they
        // stalled the runner for good once a stuck checkpoint had that many proven after it.
        if (facts.knownProven.has(index)) continue;
        lookedAt++;
        if (await this.#visit(index, signal, outcome, stuck)) inFlight++;
      }
    }
    facts.stuck.clear();
    for (const [index, entry] of stuck) facts.stuck.set(index, entry);
    return outcome;
  }

  /** Does what the checkpoint's task calls for; true when it occupies a place in the window. */
  async #visit(
    index: number,
    signal: AbortSignal,
    outcome: TickOutcome,
    stuck: Map<number, StuckCheckpoint>,
  ): Promise<boolean> {
    const { handle, settings, facts, logger } = this.options;
    const record = await this.#taskOf(index);
    // Resubmitted since: cancelled again, it is warned of again.
    if (record?.status !== "cancelled") this.#cancelledWarned.delete(index);
    if (record === undefined) {
      const { created } = await handle.submit(checkpointContext(index), settings.backend);
      if (created) {
        facts.submitted(index);
        outcome.submitted.push(index);
        logger.info({ index, backend: settings.backend }, "checkpoint submitted");
      }
      return true;
    }
    switch (record.status) {
      case "permanent_failure":
        return await this.#retryFailed(index, record.error, outcome, stuck);
      case "cancelled":
        stuck.set(index, { index, status: "cancelled", error: "cancelled by an operator", retries: 0 });
        // Left alone, it holds the CL's next unproven checkpoint for good, while the lag and the
        // last acceptance look healthy: the report said so, the log nothing.
        if (!this.#cancelledWarned.has(index)) {
          this.#cancelledWarned.add(index);
          logger.warn(
            { index, task: record.id },
            "checkpoint cancelled by an operator holds the CL back; the runner leaves it: resubmit it with paas_proveCheckpoint",
          );
        }
        return false;
      case "completed":
        return await this.#confirmPublished(index, record, signal, outcome, stuck);
      default:
        return true; // in flight: the scheduler drives it
    }
  }

  /** A failed checkpoint is passed over; it is submitted again when its turn in the schedule comes. */
  async #retryFailed(
    index: number,
    error: string,
    outcome: TickOutcome,
    stuck: Map<number, StuckCheckpoint>,
  ): Promise<boolean> {
    const { settings, logger } = this.options;
    const now = this.#now();
    let failure = this.#failures.get(index);
    if (!failure) {
      failure = { retries: 0, retryAt: now, warned: false };
      this.#failures.set(index, failure);
    }
    const exhausted = failure.retries >= settings.failedRetries;
    if (!failure.warned) {
      failure.warned = true;
      // The wait runs from the failure, not from the resubmission that ended in it: counted from
      // then, an attempt longer than its delay (a proof made again) was resubmitted at once.
      failure.retryAt = now + this.#retryDelay(failure.retries + 1);
      logger.warn(
        {
          index,
          error,
          retries: failure.retries,
          retryAt: exhausted ? null : new Date(failure.retryAt).toISOString(),
        },
        exhausted
          ? "checkpoint failed and the runner is out of retries: resubmit it with paas_proveCheckpoint"
          : "checkpoint failed; later checkpoints go on, and the runner will submit it again",
      );
    }
    if (!exhausted && now >= failure.retryAt) {
      failure.retries++;
      failure.warned = false;
      outcome.retried.push(index);
      logger.info({ index, retry: failure.retries }, "submitting a failed checkpoint again");
      await this.options.handle.submit(checkpointContext(index), settings.backend);
      return true;
    }
    stuck.set(index, {
      index,
      status: "permanent_failure",
      error,
      retries: failure.retries,
      ...(!exhausted && { retryAt: new Date(failure.retryAt).toISOString() }),
    });
    return false;
  }

  /**
   * A completed checkpoint above the CL's next unproven one: published, most likely, but a CL that
   * lost its proofs (e.g. a devnet restarted without its data) lists it unproven. `publishCheckpoint`
   * asks the CL first and submits the stored proof only if it is not proven, and only if it is of
   * the CL's chain now. A CL that lost it with the blocks it replaced (a reorg under it) would reject
   * it, and an operator could only publish it again: the task is taken back instead, its proof
   * dropped, and proven again from the new chain. True when it is in flight again.
   */
  async #confirmPublished(
    index: number,
    record: TaskRecord,
    signal: AbortSignal,
    outcome: TickOutcome,
    stuck: Map<number, StuckCheckpoint>,
  ): Promise<boolean> {
    // Completed after the poll: the CL's answer predates the publication; the wake-up it caused runs
    // another tick, which sees the CL's new answer.
    if (this.#completedSincePoll.has(index) || this.options.facts.knownProven.has(index)) return false;
    const rejection = this.options.facts.rejectedProofs.get(index);
    if (rejection !== undefined) {
      stuck.set(index, rejectedEntry(index, rejection));
      return false;
    }
    const unpublished = this.#unpublished.get(index);
    if (unpublished !== undefined && this.#now() < unpublished.retryAt) {
      stuck.set(index, this.#unpublishedEntry(index, unpublished));
      return false;
    }
    const receipt = await this.options.handle.proof(record.id);
    try {
      const published = await publishCheckpoint(this.options.cl, index, receipt, signal, { outdated: true });
      this.options.facts.knownProven.add(index);
      this.#unpublished.delete(index);
      this.options.facts.accepted(index);
      if (published.outcome === "accepted") {
        outcome.republished.push(index);
        this.options.logger.info({ index }, "published a stored checkpoint proof again");
      }
      return false;
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof OutdatedProofError) {
        this.#unpublished.delete(index);
        const { reproven } = await this.options.handle.reproveOutdated(record.id, {
          attempt: record.attempt,
          error,
        });
        if (reproven) {
          outcome.reproven.push(index);
          this.options.logger.warn(
            { index, task: record.id, error: error.message },
            "a stored checkpoint proof is of blocks the CL replaced: dropped, and the checkpoint proven again",
          );
        }
        return true;
      }
      if (error instanceof CheckpointRejectedError) {
        this.options.facts.rejectedProofs.set(index, error.reason);
        this.#unpublished.delete(index);
        stuck.set(index, rejectedEntry(index, error.reason));
        this.options.logger.warn(
          { index, task: record.id, reason: error.reason },
          "the CL rejected a stored proof",
        );
        return false;
      }
      // The CL did not take it this time (an error, not a verdict): later checkpoints go on, and
      // this one is published again after a delay that doubles, as failed checkpoints are retried.
      const retries = (unpublished?.retries ?? 0) + 1;
      const failure = {
        retries,
        retryAt: this.#now() + this.#retryDelay(retries),
        error: errorMessage(error),
      };
      this.#unpublished.set(index, failure);
      stuck.set(index, this.#unpublishedEntry(index, failure));
      if (retries === 1) {
        this.options.logger.warn(
          { index, task: record.id, error: failure.error },
          "publishing a stored checkpoint proof again failed; later checkpoints go on, and it is tried again",
        );
      }
      return false;
    }
  }

  #unpublishedEntry(index: number, failure: UnpublishedCheckpoint): StuckCheckpoint {
    return {
      index,
      status: "completed",
      error: `proven, but the CL did not take the proof: ${failure.error}`,
      retries: failure.retries,
      retryAt: new Date(failure.retryAt).toISOString(),
    };
  }

  #retryDelay(retry: number): number {
    return Math.min(MAX_FAILED_RETRY_DELAY_MS, this.options.settings.failedRetryDelayMs * 2 ** (retry - 1));
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async #taskOf(index: number): Promise<TaskRecord | undefined> {
    try {
      return await this.options.handle.status({
        context: checkpointContext(index),
        backend: this.options.settings.backend,
      });
    } catch (error) {
      if (error instanceof PaasError && error.code === "TASK_NOT_FOUND") return undefined;
      throw error;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), delayMs);
    this.#timer.unref();
  }

  #wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#running) return;
    this.#again = false;
    const signal = this.#controller.signal;
    this.#running = this.tick(signal)
      .then(
        () => this.#recovered(),
        (error: unknown) => {
          if (!signal.aborted) this.#failed(error);
        },
      )
      .finally(() => {
        this.#running = undefined;
        this.#schedule(this.#again ? 0 : this.#nextDelay());
      });
  }

  /** A failed tick: counted and reported each time, logged when the outage starts and now and then. */
  #failed(error: unknown): void {
    const message = errorMessage(error);
    this.#failedTicks++;
    const now = this.#now();
    const retryInMs = this.#nextDelay();
    const starts = this.#outage === undefined;
    this.#outage ??= { since: now, warnedAt: now };
    this.options.facts.error(message, {
      since: this.#outage.since,
      failedTicks: this.#failedTicks,
      nextTryAt: now + retryInMs,
    });
    if (starts) {
      this.options.logger.warn(
        { error: message, retryInMs },
        "checkpoint runner tick failed; retrying with a growing delay",
      );
    } else if (now - this.#outage.warnedAt >= OUTAGE_REMINDER_MS) {
      this.#outage.warnedAt = now;
      this.options.logger.warn(
        {
          error: message,
          failedTicks: this.#failedTicks,
          since: new Date(this.#outage.since).toISOString(),
          retryInMs,
        },
        "checkpoint runner ticks still failing",
      );
    }
  }

  #recovered(): void {
    if (this.#outage !== undefined) {
      // Not "the CL answers again": a tick also reads the task database, and when that was full or
      // out of reach the CL had answered all along.
      this.options.logger.info(
        { failedTicks: this.#failedTicks, outageMs: this.#now() - this.#outage.since },
        "checkpoint runner: its ticks succeed again",
      );
    }
    this.#failedTicks = 0;
    this.#outage = undefined;
  }

  /** `interval_ms`, or while ticks fail, a delay doubling from it (core's backoff), capped. */
  #nextDelay(): number {
    const { intervalMs } = this.options.settings;
    if (this.#failedTicks === 0) return intervalMs;
    return backoffDelay(
      {
        baseDelayMs: intervalMs,
        multiplier: 2,
        maxDelayMs: Math.max(intervalMs, OUTAGE_MAX_DELAY_MS),
        maxRetries: Number.POSITIVE_INFINITY,
      },
      this.#failedTicks,
    );
  }
}

/**
 * A stored proof the CL refused when it was published again: not tried again by this process, left
 * to an operator, whose `paas_proveCheckpoint` publishes it again. Its task is completed (a retry of
 * it is refused), so that is the status shown, with the CL's reason.
 */
function rejectedEntry(index: number, reason: string): StuckCheckpoint {
  return {
    index,
    status: "completed",
    error: `the CL rejected the stored proof when it was published again: ${reason}`,
    retries: 0,
  };
}
