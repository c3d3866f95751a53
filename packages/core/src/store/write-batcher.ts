import type { Kysely, Transaction } from "kysely";
import { isConnectionLoss, isFileLocked, isLockConflict } from "./database-errors.js";
import { whileFileLocked } from "./file-lock-wait.js";
import type { Database } from "./schema.js";

export type WriteJob<T> = (trx: Transaction<Database>) => Promise<T>;

/**
 * Told a job's result once its transaction committed, before any job's promise settles: jobs are
 * told in the order they ran, so what reports commits (the task transitions) reports them in the
 * order they happened. Awaiting the promise instead, callers a different number of hops away
 * learn of one commit's jobs in another order.
 */
export type Committed<T> = (result: T) => void;

interface Queued {
  readonly job: WriteJob<unknown>;
  readonly committed: Committed<unknown> | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: writes requested in the same turn of the event loop share one transaction.
 * On SQLite a commit costs far more than the statements in it (WAL frames for every touched
 * page), so batching is what lets the scheduler's overhead per task stay small under load.
 * Each job is still its own guarded statements, so batching changes no outcome; if the shared
 * transaction fails, every job is retried alone so one bad job cannot fail the others (and a
 * job that lost a lock conflict runs again), unless the SQLite file stayed locked by another
 * process for `FILE_LOCK_WAIT_MS`: that fails them all.
 */
export class WriteBatcher {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxBatch = 256,
  ) {}

  run<T>(job: WriteJob<T>, committed?: Committed<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        job,
        committed: committed as Committed<unknown> | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, this.maxBatch);
      let results: unknown[];
      try {
        // Another process holding the SQLite file is waited for between turns of the event loop,
        // not in SQLite's busy handler, which holds this thread (see whileFileLocked).
        results = await whileFileLocked(() =>
          this.db.transaction().execute(async (trx) => {
            const out: unknown[] = [];
            for (const { job } of jobs) out.push(await job(trx));
            return out;
          }),
        );
      } catch (error) {
        // Still held after that wait: every job would wait for it alone again, 5 s apiece (a bulk
        // cancel's 50 held the prover 4 minutes), so they are all refused; their callers try later.
        if (isFileLocked(error)) {
          for (const queued of jobs) queued.reject(error);
          continue;
        }
        for (const queued of jobs) {
          await this.alone(queued.job).then((result) => deliver(queued, result), queued.reject);
        }
        continue;
      }
      // Synchronously, in order: no caller resumes before every job of the commit was told.
      for (const [i, queued] of jobs.entries()) deliver(queued, results[i]);
    }
    this.flushing = false;
  }

  /**
   * One job in a transaction of its own. PostgreSQL ends one of two transactions that wait on each
   * other's row locks (a deadlock: e.g. two instances inserting the same new tasks while each
   * holds a row the other updates) and a retry of the victim succeeds, so such a conflict is
   * retried a few times, after a short random pause, before it counts as the job's failure.
   */
  private async alone<T>(job: WriteJob<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(job);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS) throw error;
        if (isLockConflict(error)) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        } else if (isConnectionLoss(error)) {
          // The server ended the session (a restart, a failover, an operator's pg_terminate_backend,
          // an idle timeout) or the network dropped it: the pool opens a new one. Failing the job
          // would throw away what it records, a computed proof among them. Every job is a guarded
          // or fenced write, so one whose commit was lost with its answer applies nothing again.
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
        } else {
          throw error;
        }
      }
    }
  }
}

const CONFLICT_ATTEMPTS = 5;

/** Tells a committed job's `committed` callback, then its caller; what the callback throws is the job's error. */
function deliver(queued: Queued, result: unknown): void {
  try {
    queued.committed?.(result);
  } catch (error) {
    queued.reject(error);
    return;
  }
  queued.resolve(result);
}
