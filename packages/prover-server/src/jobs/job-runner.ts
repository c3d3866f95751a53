import { setTimeout as sleep } from "node:timers/promises";
import { PermanentError, type PluginLogger } from "@paas/core";
import { encodeReceipt, type NativeHost } from "@paas/zkvm";
import type { ProgramCatalogue } from "../programs.js";
import type { ClaimedJob, JobStore, JobView } from "../store/job-store.js";

/** Failure messages are kept to this length: they travel to clients in every status answer. */
const MAX_ERROR_CHARS = 2_000;

/** Why a running proof was aborted: the job was cancelled, or the server is stopping. */
type AbortCause = "cancelled" | "closing";

/** Pauses between tries to record a proof's outcome the job table refused: 100 ms doubling to 5 s. */
const FIRST_RECORD_RETRY_MS = 100;
const MAX_RECORD_RETRY_MS = 5_000;
/** The pause before trying again to take queued jobs from a job table that refused the claim. */
const CLAIM_RETRY_MS = 1_000;

/**
 * Runs queued jobs on the native host, oldest first, at most `workers` at once. A proof's outcome
 * is written with a guard on the job still running, so a job cancelled meanwhile stays cancelled.
 *
 * Failures: a `PermanentError` from the host (the guest threw, the input is malformed) fails the
 * job as not retryable; anything else (a crashed worker) fails it as retryable and is not retried
 * here: the client decides, with its own backoff and retry budget, by starting a new job.
 */
export class JobRunner {
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #pumping: Promise<void> | undefined;
  #again = false;
  #closing = false;
  /** Whether the last claim was refused: a refusal is logged once, not at every try. */
  #claimRefused = false;

  constructor(
    private readonly store: JobStore,
    private readonly host: NativeHost,
    private readonly programs: ProgramCatalogue,
    private readonly workers: number,
    private readonly logger: PluginLogger,
  ) {}

  /** Starts queued jobs while workers are free; call it whenever a job is queued or one ends. */
  wake(): void {
    if (this.#closing) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) this.wake();
    });
  }

  /**
   * Withdraws a client's handle on a job, and once no other client wants the job, aborts its proof
   * if one runs (the worker thread is terminated).
   */
  async cancel(id: string): Promise<JobView | undefined> {
    const cancelled = await this.store.cancel(id);
    if (cancelled?.stopped) {
      this.#running.get(cancelled.job.workId)?.controller.abort("cancelled" satisfies AbortCause);
    }
    return cancelled?.job;
  }

  /** Aborts the proofs in flight and waits for them; their jobs stay running and rerun at the next start. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#pumping;
    const running = [...this.#running.values()];
    for (const { controller } of running) controller.abort("closing" satisfies AbortCause);
    await Promise.all(running.map(({ done }) => done));
  }

  async #pump(): Promise<void> {
    this.#again = false;
    try {
      while (!this.#closing && this.#running.size < this.workers) {
        const job = await this.store.claimNext();
        this.#claimRefused = false;
        if (!job) return;
        const controller = new AbortController();
        const done = this.#prove(job, controller.signal).finally(() => {
          this.#running.delete(job.id);
          this.wake();
        });
        this.#running.set(job.id, { controller, done });
      }
    } catch (error) {
      if (!this.#claimRefused) {
        this.logger.error(
          { error: messageOf(error) },
          "prover server: cannot take jobs from the job table; trying again every second",
        );
      }
      this.#claimRefused = true;
      // Only a new job or a finished proof wakes the runner: with none coming, the queued jobs
      // would wait for good. A table refuses a claim for a while (a full disk): try again.
      setTimeout(() => this.wake(), CLAIM_RETRY_MS).unref();
    }
  }

  async #prove(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const fields = { jobId: job.id, program: job.program.name, version: job.program.version };
    const program = this.programs.byProgramId(job.program.programId);
    try {
      // A cancel that committed between the claim and this job's entry in `#running` found no
      // proof to abort: it is seen here instead, before any work starts.
      if ((await this.store.stateOf(job.id)) !== "running") return;
      if (!program) {
        const message = `this server no longer proves program "${job.program.name}" version "${job.program.version}" (0x${job.program.programId})`;
        await this.store.fail(job.id, message, false);
        this.logger.warn(fields, message);
        return;
      }
      this.logger.info({ ...fields, attempt: job.attempts }, "proving");
      // A copy: the host transfers the input's buffer to the worker, and SQLite's may be shared.
      const { receipt, summary } = await this.host.proveEncoded(program, new Uint8Array(job.input), {
        signal,
      });
      const encoded = encodeReceipt(receipt);
      if (await this.#record(() => this.store.succeed(job.id, encoded), signal, fields)) {
        this.logger.info({ ...fields, wallMs: Math.round(summary.wallMs) }, "proved");
      }
    } catch (error) {
      if (signal.aborted) {
        this.logger.info({ ...fields, why: signal.reason }, "proof aborted");
        return;
      }
      const retryable = !(error instanceof PermanentError);
      const message = messageOf(error).slice(0, MAX_ERROR_CHARS);
      if (await this.#record(() => this.store.fail(job.id, message, retryable), signal, fields)) {
        this.logger.warn({ ...fields, retryable, error: message }, "proof failed");
      }
    }
  }

  /**
   * Writes a proof's outcome, again while the job table refuses it (a full disk): given up on, the
   * job stayed running for good, its clients polling it forever, and a computed receipt was lost.
   * Stops when the proof is aborted (cancelled, or the server closing: the job then reruns at the
   * next start). False when nothing was written.
   */
  async #record(write: () => Promise<boolean>, signal: AbortSignal, fields: object): Promise<boolean> {
    for (let pauseMs = FIRST_RECORD_RETRY_MS; ; pauseMs = Math.min(pauseMs * 2, MAX_RECORD_RETRY_MS)) {
      try {
        return await write();
      } catch (error) {
        if (pauseMs === FIRST_RECORD_RETRY_MS) {
          this.logger.error(
            { ...fields, error: messageOf(error) },
            "cannot record the proof's outcome in the job table; trying again until it can",
          );
        }
        if (!(await pause(pauseMs, signal))) return false;
      }
    }
  }
}

/** Waits `ms`; false when `signal` aborts first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
