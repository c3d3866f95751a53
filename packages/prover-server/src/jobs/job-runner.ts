import { PermanentError, type PluginLogger } from "@paas/core";
import { encodeReceipt, type NativeHost } from "@paas/zkvm";
import type { ProgramCatalogue } from "../programs.js";
import type { ClaimedJob, JobStore, JobView } from "../store/job-store.js";

/** Failure messages are kept to this length: they travel to clients in every status answer. */
const MAX_ERROR_CHARS = 2_000;

/** Why a running proof was aborted: the job was cancelled, or the server is stopping. */
type AbortCause = "cancelled" | "closing";

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

  /** Cancels a job, aborting its proof if one runs (the worker thread is terminated). */
  async cancel(id: string): Promise<JobView | undefined> {
    const job = await this.store.cancel(id);
    if (job?.state === "cancelled") this.#running.get(id)?.controller.abort("cancelled" satisfies AbortCause);
    return job;
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
        if (!job) return;
        const controller = new AbortController();
        const done = this.#prove(job, controller.signal).finally(() => {
          this.#running.delete(job.id);
          this.wake();
        });
        this.#running.set(job.id, { controller, done });
      }
    } catch (error) {
      this.logger.error({ err: messageOf(error) }, "prover server: cannot take jobs from the job table");
    }
  }

  async #prove(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const fields = { jobId: job.id, program: job.program.name, version: job.program.version };
    const program = this.programs.byProgramId(job.program.programId);
    try {
      // A cancel that committed between the claim and this job's entry in `#running` found no
      // proof to abort: it is seen here instead, before any work starts.
      if ((await this.store.get(job.id))?.state !== "running") return;
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
      if (await this.store.succeed(job.id, encodeReceipt(receipt))) {
        this.logger.info({ ...fields, wallMs: Math.round(summary.wallMs) }, "proved");
      }
    } catch (error) {
      if (signal.aborted) {
        this.logger.info({ ...fields, why: signal.reason }, "proof aborted");
        return;
      }
      const retryable = !(error instanceof PermanentError);
      const message = messageOf(error).slice(0, MAX_ERROR_CHARS);
      try {
        await this.store.fail(job.id, message, retryable);
        this.logger.warn({ ...fields, retryable, err: message }, "proof failed");
      } catch (storeError) {
        this.logger.error({ ...fields, err: messageOf(storeError) }, "cannot record a failed proof");
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
