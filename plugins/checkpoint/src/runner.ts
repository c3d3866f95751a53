import type { PluginLogger } from "@paas/core";
import {
  type BackgroundService,
  errorMessage,
  InvalidConfigError,
  PaasError,
  type ProverHandle,
  type TaskRecord,
} from "@paas/core";
import { CHECKPOINT, type ClClient } from "@paas/rollup";
import { checkpointContext } from "./context.js";
import type { CheckpointFacts } from "./facts.js";
import { CheckpointRejectedError, submitCheckpointProof } from "./publication.js";
import type { CheckpointSettings } from "./settings.js";

export interface CheckpointRunnerOptions {
  readonly cl: ClClient;
  readonly handle: ProverHandle;
  readonly settings: CheckpointSettings & { readonly backend: string };
  readonly facts: CheckpointFacts;
  readonly logger: PluginLogger;
}

/** What one tick did, for tests and logs. */
export interface TickOutcome {
  /** Checkpoints a task was created for, in order. */
  readonly submitted: number[];
  /** Completed checkpoints the CL still listed as unproven, whose stored proof was published again. */
  readonly republished: number[];
}

/**
 * The checkpoint runner: keeps the prover up with the CL's checkpoints on its own.
 *
 * Each tick reads `cl_getLatestCheckpointIndex` and `cl_getNextUnprovenCheckpointIndex` and walks
 * the window `next .. min(latest, next + window - 1)` in order. Per checkpoint, the task store says
 * what to do: no task → submit it (its CL STF dependencies come with it through the scheduler); a
 * task in flight → nothing; failed permanently or cancelled → nothing (reported in `failed`, left to
 * an operator: see README); completed although the CL still lists it unproven → publish the stored
 * proof again (a CL that lost the proof; "already-proven" when the answer merely raced it).
 *
 * The position lives in durable state only (the CL's next unproven index, the task store), so a
 * restart neither skips nor duplicates a checkpoint. A failed tick (e.g. the CL is down) is counted
 * and logged, and the next tick tries again. A checkpoint task finishing wakes the runner at once,
 * so it does not wait a whole interval to move its window on.
 */
export class CheckpointRunner implements BackgroundService {
  readonly name = "checkpoint-runner";
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #controller = new AbortController();
  #unsubscribe: (() => void) | undefined;
  /** Checkpoints whose stored proof the CL rejected when republished: not tried again by this process. */
  readonly #republishRejected = new Set<number>();
  /** Failed checkpoints already logged, so a stall is logged once, not every tick. */
  readonly #warned = new Set<number>();
  /** Consecutive failed ticks (0 while the CL answers). */
  #failedTicks = 0;
  /** Checkpoints whose task completed since the current tick polled the CL (the poll may predate it). */
  readonly #completedSincePoll = new Set<number>();

  constructor(private readonly options: CheckpointRunnerOptions) {}

  start(): void {
    const { settings, handle, facts } = this.options;
    if (!settings.runner) {
      facts.runner = "off";
      return;
    }
    if (!handle.backends().includes(settings.backend)) {
      throw new InvalidConfigError(
        `plugin_settings.${CHECKPOINT.kind}.backend: backend "${settings.backend}" is not configured (configured: ${handle.backends().join(", ") || "none"})`,
      );
    }
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#controller = new AbortController();
    facts.runner = "on";
    this.#unsubscribe = handle.onTransition((t) => {
      if (t.kind !== CHECKPOINT.kind || t.backend !== settings.backend) return;
      if (t.to === "completed") this.#completedSincePoll.add(Number(t.context.index));
      if (t.to === "completed" || t.to === "permanent_failure") this.#wake();
    });
    this.#schedule(0);
  }

  /** Stops polling: no timer is left, an in-flight tick is aborted and awaited. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.options.facts.runner = "off";
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#controller.abort(new Error("the checkpoint runner is stopping"));
    await this.#running;
  }

  /** One pass over the window (what each timer tick runs). Throws what failed, e.g. the CL being down. */
  async tick(signal: AbortSignal = this.#controller.signal): Promise<TickOutcome> {
    const { cl, facts, settings } = this.options;
    this.#completedSincePoll.clear();
    const [latest, next] = await Promise.all([
      cl.getLatestCheckpointIndex({ signal }),
      cl.getNextUnprovenCheckpointIndex({ signal }),
    ]);
    facts.polled(latest, next, Date.now());
    const outcome: TickOutcome = { submitted: [], republished: [] };
    const failed = new Map<number, string>();
    if (latest !== null && next !== null) {
      const last = Math.min(latest, next + settings.window - 1);
      for (let index = next; index <= last; index++) {
        signal.throwIfAborted();
        await this.#visit(index, signal, outcome, failed);
      }
    }
    facts.failed.clear();
    for (const [index, error] of failed) facts.failed.set(index, error);
    return outcome;
  }

  async #visit(
    index: number,
    signal: AbortSignal,
    outcome: TickOutcome,
    failed: Map<number, string>,
  ): Promise<void> {
    const { handle, settings, facts, logger } = this.options;
    const context = checkpointContext(index);
    const record = await this.#taskOf(index);
    if (record === undefined) {
      const { created } = await handle.submit(context, settings.backend);
      if (created) {
        facts.submitted(index);
        outcome.submitted.push(index);
        logger.info({ index, backend: settings.backend }, "checkpoint submitted");
      }
      return;
    }
    switch (record.status) {
      case "permanent_failure":
      case "cancelled": {
        const error = record.status === "permanent_failure" ? record.error : "cancelled";
        failed.set(index, error);
        if (!this.#warned.has(index)) {
          this.#warned.add(index);
          logger.warn(
            { index, task: record.id, status: record.status, error },
            "checkpoint left to an operator: resubmit it with paas_proveCheckpoint",
          );
        }
        return;
      }
      case "completed": {
        // Completed after the poll: the CL's answer predates the publication. The wake-up the
        // completion caused runs another tick, which sees the CL's new answer.
        if (this.#completedSincePoll.has(index)) return;
        if (this.#republishRejected.has(index)) {
          failed.set(index, "the CL rejected the stored proof when it was published again");
          return;
        }
        // The task published its proof, yet the CL lists the checkpoint unproven: the CL lost it (e.g.
        // a devnet restarted without its data). Submission is idempotent at the CL, so publish again.
        const receipt = await handle.proof(record.id);
        try {
          await submitCheckpointProof(this.options.cl, index, receipt, signal);
          facts.accepted(index);
          outcome.republished.push(index);
        } catch (error) {
          if (!(error instanceof CheckpointRejectedError)) throw error;
          this.#republishRejected.add(index);
          failed.set(index, error.message);
          logger.warn({ index, task: record.id, reason: error.reason }, "the CL rejected a stored proof");
        }
        return;
      }
      default:
        this.#warned.delete(index);
        return; // in flight: the scheduler drives it
    }
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
        () => {
          if (this.#failedTicks > 0) {
            this.options.logger.info(
              { failedTicks: this.#failedTicks },
              "checkpoint runner: the CL answers again",
            );
          }
          this.#failedTicks = 0;
        },
        (error: unknown) => {
          if (signal.aborted) return;
          const message = errorMessage(error);
          this.options.facts.error(message);
          // Logged once per outage, not once per tick; the report counts every failed tick.
          if (this.#failedTicks++ === 0) {
            this.options.logger.warn(
              { error: message },
              "checkpoint runner tick failed; retrying every tick",
            );
          }
        },
      )
      .finally(() => {
        this.#running = undefined;
        this.#schedule(this.#again ? 0 : this.options.settings.intervalMs);
      });
  }
}
