import type { PluginLogger } from "@paas/core";
import type { JobStore } from "../store/job-store.js";

/** How often the sweep runs: a quarter of the retention, within these bounds. */
const MIN_SWEEP_INTERVAL_MS = 1_000;
const MAX_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * Deletes finished jobs (and their receipts) once they are older than the retention, so the job
 * table of a server that runs for months stays the size of its recent work. A client fetches a
 * receipt as soon as its job succeeds; one that comes back later than the retention is told the
 * job is unknown and starts a new one.
 */
export class RetentionSweep {
  readonly #timer: NodeJS.Timeout;
  #sweeping: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly retentionMs: number,
    private readonly logger: PluginLogger,
    /** Gives freed pages back to the file system (see `OpenedJobDatabase.releaseFreeSpace`). */
    private readonly releaseFreeSpace: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {
    const interval = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, retentionMs / 4));
    this.#timer = setInterval(() => this.sweep(), interval).unref();
  }

  /** One pass now (also what the timer runs); passes never overlap. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#deleteExpired().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops the timer and waits for a pass in progress, so the table can be closed after it. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  async #deleteExpired(): Promise<void> {
    try {
      const deleted = await this.store.deleteFinishedBefore(this.now() - this.retentionMs);
      if (deleted > 0) {
        this.logger.info(
          { deleted, retentionMs: this.retentionMs },
          "deleted finished jobs past their retention",
        );
      }
      // Also when none was deleted: the inputs of the jobs that ended since the last pass are free.
      await this.releaseFreeSpace();
    } catch (error) {
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        "prover server: cannot delete finished jobs past their retention",
      );
    }
  }
}
