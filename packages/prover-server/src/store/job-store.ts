import { randomBytes } from "node:crypto";
import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import type { JobDatabase, JobState } from "./schema.js";
import { FINISHED_STATES, LIVE_STATES } from "./schema.js";

export interface ProgramKey {
  readonly programId: string;
  readonly name: string;
  readonly version: string;
}

/** What a client may see of a job, through its handle. */
export interface JobView {
  /** The handle's id: the job id this client was given. */
  readonly id: string;
  /** The job that proves the work, which other clients' handles may share. */
  readonly workId: string;
  readonly requestId: string;
  readonly program: ProgramKey;
  readonly state: JobState;
  readonly error: string | null;
  readonly retryable: boolean | null;
  readonly attempts: number;
}

/** A job taken from the queue to be proven now. */
export interface ClaimedJob {
  readonly id: string;
  readonly program: ProgramKey;
  readonly input: Uint8Array;
  readonly attempts: number;
}

const VIEW_COLUMNS = [
  "id",
  "request_id",
  "program_id",
  "program_name",
  "program_version",
  "state",
  "error",
  "retryable",
  "attempts",
] as const;

type ViewRow = Pick<JobDatabase["jobs"], (typeof VIEW_COLUMNS)[number]>;

/** The view's columns read through a handle: `withdrawn` is the handle's. */
const HANDLE_VIEW_COLUMNS = [
  ...VIEW_COLUMNS.map((column) => `jobs.${column}` as const),
  "job_handles.withdrawn",
] as const;

/** States in which a job may still be cancelled (and a handle on it withdrawn). */
const CANCELLABLE_STATES: readonly JobState[] = ["queued", "running"];

/**
 * The durable job table. Every state change is one statement guarded by the state it leaves, so a
 * cancel and a finishing proof cannot both win: whichever commits first decides.
 *
 * Clients hold handles, not jobs: each start gets its own, on the live job for its request (two
 * clients sending the same work share one proof) or on a new one. A cancel withdraws the caller's
 * handle; the job is cancelled once no handle on it is left wanting it.
 */
export class JobStore {
  constructor(
    private readonly db: Kysely<JobDatabase>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The live job (queued, running or succeeded) for `requestId` and this program, or a new queued
   * one; `created` says which. The program is part of the work a request id names: the same id
   * for another program (say, after a version bump) is other work and gets its own job. No new
   * job when the queued ones' inputs and this one would exceed `maxQueuedBytes`: `queueFull` then
   * says how many bytes are queued.
   *
   * `handleId`, the client's proposed id, makes the start idempotent: a handle of that id is handed
   * back as it is, whatever its job's state, and no other is made — the client's start sent again
   * after its answer was lost; the first handle, which the client never heard of, had otherwise
   * kept the proof wanted after the client cancelled the second. `taken` when it is other work's.
   */
  async startOrFind(
    requestId: string,
    program: ProgramKey,
    input: Uint8Array,
    maxQueuedBytes: number,
    handleId?: string,
  ): Promise<{ job: JobView; created: boolean } | { queueFull: number } | { taken: true }> {
    return this.db.transaction().execute(async (trx) => {
      if (handleId !== undefined) {
        const started = await this.get(handleId, trx);
        if (started) {
          const same = started.requestId === requestId && started.program.programId === program.programId;
          return same ? { job: started, created: false } : { taken: true as const };
        }
      }
      const live = await trx
        .selectFrom("jobs")
        .select(VIEW_COLUMNS)
        .where("request_id", "=", requestId)
        .where("program_id", "=", program.programId)
        .where("state", "in", LIVE_STATES)
        .executeTakeFirst();
      if (live) {
        const handle = handleId ?? newId();
        await trx.insertInto("job_handles").values({ id: handle, job_id: live.id }).execute();
        return { job: viewOf(live, { id: handle, withdrawn: 0 }), created: false };
      }
      // SQLite keeps a blob's length in its record header: summing it reads no input.
      const { queued } = await trx
        .selectFrom("jobs")
        .select(sql<number>`coalesce(sum(length(input)), 0)`.as("queued"))
        .where("state", "=", "queued")
        .executeTakeFirstOrThrow();
      if (Number(queued) + input.length > maxQueuedBytes) return { queueFull: Number(queued) };
      const now = this.now();
      const id = handleId ?? newId();
      const row = await trx
        .insertInto("jobs")
        .values({
          id,
          request_id: requestId,
          program_id: program.programId,
          program_name: program.name,
          program_version: program.version,
          input,
          state: "queued",
          error: null,
          retryable: null,
          receipt: null,
          attempts: 0,
          created_at: now,
          updated_at: now,
        })
        .returning(VIEW_COLUMNS)
        .executeTakeFirstOrThrow();
      // The first handle has the job's id: the job id in the server's log is its first client's.
      await trx.insertInto("job_handles").values({ id, job_id: id }).execute();
      return { job: viewOf(row, { id, withdrawn: 0 }), created: true };
    });
  }

  /** The job a handle is on, as that handle's client sees it; undefined for an unknown handle. */
  async get(id: string, db: Kysely<JobDatabase> = this.db): Promise<JobView | undefined> {
    const row = await db
      .selectFrom("job_handles")
      .innerJoin("jobs", "jobs.id", "job_handles.job_id")
      .select(HANDLE_VIEW_COLUMNS)
      .where("job_handles.id", "=", id)
      .executeTakeFirst();
    return row && viewOf(row, { id, withdrawn: row.withdrawn });
  }

  /** A job's own state, whatever its handles say. */
  async stateOf(jobId: string): Promise<JobState | undefined> {
    const row = await this.db.selectFrom("jobs").select("state").where("id", "=", jobId).executeTakeFirst();
    return row?.state;
  }

  /** The job's state through a handle and, once succeeded, its encoded receipt. */
  async receipt(id: string): Promise<{ state: JobState; receipt: Uint8Array | null } | undefined> {
    const row = await this.db
      .selectFrom("job_handles")
      .innerJoin("jobs", "jobs.id", "job_handles.job_id")
      .select(["jobs.state", "jobs.receipt", "job_handles.withdrawn"])
      .where("job_handles.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return row.withdrawn === 1
      ? { state: "cancelled", receipt: null }
      : { state: row.state, receipt: row.receipt };
  }

  /** The receipt of the job that succeeded last, if any. */
  async latestReceipt(): Promise<Uint8Array | undefined> {
    const row = await this.db
      .selectFrom("jobs")
      .select("receipt")
      .where("state", "=", "succeeded")
      .orderBy("updated_at", "desc")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.receipt ?? undefined;
  }

  /**
   * Fails every succeeded job, retryable, with `error`, and drops its receipt: its requestId then
   * starts a new job and a client polling it starts one too. Returns how many.
   */
  async failSucceeded(error: string): Promise<number> {
    const result = await this.db
      .updateTable("jobs")
      .set({ state: "failed", error, retryable: 1, receipt: null, updated_at: this.now() })
      .where("state", "=", "succeeded")
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * At start: jobs left running by a stopped or killed process go back to the queue, but those
   * whose proof has started `maxAttempts` times already are failed, retryable, with `error`.
   */
  async requeueInterrupted(
    maxAttempts: number,
    error: string,
  ): Promise<{ requeued: number; abandoned: number }> {
    return this.db.transaction().execute(async (trx) => {
      const now = this.now();
      const abandoned = await trx
        .updateTable("jobs")
        .set({ state: "failed", error, retryable: 1, input: null, updated_at: now })
        .where("state", "=", "running")
        .where("attempts", ">=", maxAttempts)
        .executeTakeFirst();
      const requeued = await trx
        .updateTable("jobs")
        .set({ state: "queued", updated_at: now })
        .where("state", "=", "running")
        .executeTakeFirst();
      return { requeued: Number(requeued.numUpdatedRows), abandoned: Number(abandoned.numUpdatedRows) };
    });
  }

  async countQueued(): Promise<number> {
    const row = await this.db
      .selectFrom("jobs")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("state", "=", "queued")
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Takes the oldest queued job, marks it running and counts the attempt; one statement. */
  async claimNext(): Promise<ClaimedJob | undefined> {
    const row = await this.db
      .updateTable("jobs")
      .set((eb) => ({ state: "running", attempts: eb("attempts", "+", 1), updated_at: this.now() }))
      .where("seq", "=", (eb) =>
        eb.selectFrom("jobs").select("seq").where("state", "=", "queued").orderBy("seq").limit(1),
      )
      .where("state", "=", "queued")
      .returning(["id", "program_id", "program_name", "program_version", "input", "attempts"])
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      program: { programId: row.program_id, name: row.program_name, version: row.program_version },
      input: row.input ?? new Uint8Array(),
      attempts: row.attempts,
    };
  }

  /** Records the receipt of a running job; false when the job was cancelled meanwhile. */
  async succeed(id: string, receipt: Uint8Array): Promise<boolean> {
    return this.finish(id, { state: "succeeded", receipt, error: null, retryable: null });
  }

  /** Records why a running job failed; false when the job was cancelled meanwhile. */
  async fail(id: string, error: string, retryable: boolean): Promise<boolean> {
    return this.finish(id, { state: "failed", error, retryable: retryable ? 1 : 0 });
  }

  /**
   * Withdraws a handle on a queued or running job, and cancels the job once no other handle wants
   * it (`stopped`); a finished job keeps its state. Undefined for an unknown handle. Withdrawing
   * twice withdraws once: a client cancels the same job from an attempt and again from its task.
   */
  async cancel(id: string): Promise<{ job: JobView; stopped: boolean } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const handle = await trx
        .selectFrom("job_handles")
        .select("job_id")
        .where("id", "=", id)
        .executeTakeFirst();
      if (!handle) return undefined;
      const withdrawn = await trx
        .updateTable("job_handles")
        .set({ withdrawn: 1 })
        .where("id", "=", id)
        .where("withdrawn", "=", 0)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("jobs")
              .select("id")
              .where("id", "=", handle.job_id)
              .where("state", "in", CANCELLABLE_STATES),
          ),
        )
        .executeTakeFirst();
      let stopped = false;
      if (withdrawn.numUpdatedRows > 0n) {
        const wanted = await trx
          .selectFrom("job_handles")
          .select("id")
          .where("job_id", "=", handle.job_id)
          .where("withdrawn", "=", 0)
          .executeTakeFirst();
        if (!wanted) {
          const cancelled = await trx
            .updateTable("jobs")
            .set({ state: "cancelled", input: null, updated_at: this.now() })
            .where("id", "=", handle.job_id)
            .where("state", "in", CANCELLABLE_STATES)
            .executeTakeFirst();
          stopped = cancelled.numUpdatedRows > 0n;
        }
      }
      const job = await this.get(id, trx);
      return job && { job, stopped };
    });
  }

  /**
   * Deletes the jobs that ended (succeeded, failed, cancelled) before `cutoff` (ms since the
   * epoch), receipts included; returns how many. A client that asks for one afterwards is told the
   * job is unknown, and its remote backend starts a new one.
   */
  async deleteFinishedBefore(cutoff: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const ended = (eb: ExpressionBuilder<JobDatabase, "job_handles">) =>
        eb
          .selectFrom("jobs")
          .select("id")
          .where("state", "in", FINISHED_STATES)
          .where("updated_at", "<", cutoff);
      await trx.deleteFrom("job_handles").where("job_id", "in", ended).execute();
      const result = await trx
        .deleteFrom("jobs")
        .where("state", "in", FINISHED_STATES)
        .where("updated_at", "<", cutoff)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  private async finish(
    id: string,
    values: { state: JobState; receipt?: Uint8Array; error: string | null; retryable: number | null },
  ): Promise<boolean> {
    // The input is dropped with the job's end: a retry is a new job with its own input.
    const result = await this.db
      .updateTable("jobs")
      .set({ ...values, input: null, updated_at: this.now() })
      .where("id", "=", id)
      .where("state", "=", "running")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function newId(): string {
  return randomBytes(16).toString("base64url");
}

/** A job as seen through a handle: a withdrawn handle reads cancelled, whatever the proof does. */
function viewOf(row: ViewRow, handle: { id: string; withdrawn: number }): JobView {
  return {
    id: handle.id,
    workId: row.id,
    requestId: row.request_id,
    program: { programId: row.program_id, name: row.program_name, version: row.program_version },
    state: handle.withdrawn === 1 ? "cancelled" : row.state,
    error: row.error,
    retryable: row.retryable === null ? null : row.retryable === 1,
    attempts: row.attempts,
  };
}
