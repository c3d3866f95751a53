import { type ExpressionBuilder, type Kysely, sql, type Transaction } from "kysely";
import type { ProofReceipt } from "../contracts/receipt.js";
import {
  type CompletedFilter,
  canTransition,
  type ListFilter,
  type StatusCount,
  type TaskAttempt,
  type TaskPhase,
  type TaskStatusName,
  TERMINAL_STATUSES,
} from "../contracts/status.js";
import { InvalidParamsError, InvalidTransitionError, TransientError } from "../errors.js";
import {
  type AttemptOutcome,
  type DependencyState,
  type FailureOutcome,
  type ResolutionOutcome,
  STEP_START,
  type StepStart,
} from "../scheduler/lifecycle.js";
import { BatchedWrite } from "./batched-write.js";
import { MAX_BOUND_VALUES, rowsPerStatement, slices } from "./bound-values.js";
import { databaseTime } from "./database-time.js";
import type { SqlDialect } from "./migrations/index.js";
import { filtered } from "./operator-store.js";
import type { Prepared } from "./prepared.js";
import { readReceipt } from "./proof-store.js";
import { joinedAttempt, type TaskRow, toReceiptRow } from "./rows.js";
import type { Database } from "./schema.js";
import { TaskCascade } from "./task-cascade.js";
import { type FinishedRow, type FinishField, TaskStatements } from "./task-statements.js";
import { WriteBatcher } from "./write-batcher.js";

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * A committed change: the row as it now is, and the status it left. The status can be the same
 * one: a claim of a step that keeps it (resolve, publish), or such a step released or taken over.
 */
export interface Change {
  readonly row: TaskRow;
  readonly from: TaskStatusName | null;
}

export interface NewTask {
  readonly id: string;
  readonly kind: string;
  readonly backend: string;
  readonly context: string;
  readonly status: TaskStatusName;
  readonly phase: TaskPhase;
}

/** A submitted task as stored: new, or the one that already existed. */
export interface Stored {
  readonly row: TaskRow;
  readonly created: boolean;
}

export interface ClaimRequest {
  readonly kinds: readonly string[];
  /** Only tasks of these backends (proving is claimed per backend, for its free slots). */
  readonly backends?: readonly string[];
  readonly limit: number;
  readonly owner: string;
  readonly leaseMs: number;
  readonly now: number;
}

type Fields = Partial<Pick<TaskRow, FinishField>>;

interface ProofToStore {
  readonly held: TaskRow;
  readonly receipt: ProofReceipt;
  readonly to: "publishing" | "completed";
  readonly now: number;
}

/** A fenced finish that applied, and whether the finished task has dependents. */
interface Finished extends Change {
  readonly hasDependents: boolean;
}

export const MAX_PAGE = 1000;
/** The values a new task's row binds (see `insertSlice`). */
const TASK_COLUMNS = 16;
/** The values a dependency link binds: its task, its dependency and their position. */
const LINK_COLUMNS = 3;
const DEFAULT_PAGE = 100;

/**
 * Persistence and claims of tasks; the lifecycle's decisions come from `scheduler/lifecycle.ts`.
 *
 * Two kinds of writes:
 * - **Fenced** writes finish a step that was claimed. A claim records the owner instance, a lease
 *   expiry and a new `attempt` number; the finishing write matches on all three, so an owner whose
 *   lease was taken over (or cancelled) writes nothing — no second receipt, no second publication.
 * - **Guarded** writes (submission, cancel, restart, retries, takeover) match on the status they
 *   read, so of two contenders exactly one applies.
 * Writes of one event-loop turn share a transaction (group commit); each is still its own guarded
 * statement, so batching changes no outcome.
 */
export class TaskStore {
  private readonly writes: WriteBatcher;
  private readonly cascade: TaskCascade;
  private readonly statements: TaskStatements;
  private readonly proofs: BatchedWrite<ProofToStore, Change[] | undefined> | undefined;
  private committed: (changes: readonly Change[]) => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
  ) {
    this.writes = new WriteBatcher(db);
    this.cascade = new TaskCascade(dialect);
    this.statements = new TaskStatements(db, dialect);
    const storeProofs = this.statements.storeProofs;
    this.proofs =
      storeProofs &&
      new BatchedWrite(
        (job, committed) => this.writes.run(job, committed),
        (trx, proofs) => this.storeProofsInOne(trx, storeProofs, proofs),
        (changes) => this.tell(changes),
      );
  }

  /**
   * Tells `sink` the changes of every commit, as it commits and in the order the changes were
   * made: the scheduler announces transitions from here. Learnt from each write's answer instead,
   * a claim answered a hop sooner than the finish before it in the same commit announced a task's
   * `queued → proving` before its `blocked → queued`.
   */
  onCommitted(sink: (changes: readonly Change[]) => void): void {
    this.committed = sink;
  }

  /** A write; `changes` picks from its result what it changed, told to the sink once it commits. */
  private write<T>(
    job: (trx: Transaction<Database>) => Promise<T>,
    changes?: (result: T) => readonly Change[] | undefined,
  ): Promise<T> {
    return this.writes.run(job, changes && ((result) => this.tell(changes(result))));
  }

  private tell(changes: readonly Change[] | undefined): void {
    if (changes !== undefined && changes.length > 0) this.committed(changes);
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────────

  async get(id: string): Promise<TaskRow | undefined> {
    return this.statements.get.executeTakeFirst(this.db, { id });
  }

  receipt(id: string): Promise<ProofReceipt | undefined> {
    return readReceipt(this.db, id);
  }

  /** The row and its attempts, oldest first, read together: one statement, so they agree. */
  async getWithAttempts(id: string): Promise<{ row: TaskRow; attempts: TaskAttempt[] } | undefined> {
    const rows = await this.statements.getWithAttempts.execute(this.db, { id });
    if (rows.length === 0) return undefined;
    const attempts: TaskAttempt[] = [];
    for (const row of rows) {
      const attempt = joinedAttempt(row);
      if (attempt !== undefined) attempts.push(attempt);
    }
    return { row: rows[0]!, attempts };
  }

  /** Receipts of a task's dependencies, in the order the plugin listed them. */
  async dependencyReceipts(taskId: string) {
    return this.db
      .selectFrom("task_deps as d")
      .innerJoin("tasks as t", "t.id", "d.dep_id")
      .innerJoin("receipts as r", "r.task_seq", "t.seq")
      .select(["t.id", "t.kind", "t.attempt", "t.context", "t.backend"])
      .selectAll("r")
      .where("d.task_id", "=", taskId)
      .orderBy("d.position")
      .execute();
  }

  /**
   * Whether some dependency of the task is short of completed: taken back since the task was
   * queued (its proof was stale to another dependent), or failed since. A pruned one is not.
   */
  async someDependencyUnfinished(taskId: string): Promise<boolean> {
    const found = await this.db
      .selectFrom("task_deps as d")
      .innerJoin("tasks as t", "t.id", "d.dep_id")
      .select("t.id")
      .where("d.task_id", "=", taskId)
      .where("t.status", "<>", "completed")
      .limit(1)
      .executeTakeFirst();
    return found !== undefined;
  }

  async dependencyCount(taskId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom("task_deps")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("task_id", "=", taskId)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async list(filter: ListFilter, now: number): Promise<{ rows: TaskRow[]; nextCursor?: string }> {
    const limit = pageLimit(filter.limit);
    let query = filtered(this.db.selectFrom("tasks").selectAll(), filter, now)
      .orderBy("seq")
      .limit(limit + 1);
    if (filter.cursor !== undefined) query = query.where("seq", ">", decodeCursor(filter.cursor));
    const rows = await query.execute();
    if (rows.length <= limit) return { rows };
    const page = rows.slice(0, limit);
    return { rows: page, nextCursor: encodeCursor(page[page.length - 1]!.seq) };
  }

  /**
   * Completed tasks of a kind by completion time, then `seq` (many complete in one millisecond):
   * a range of `tasks_completed_at` (0009), whatever else the table holds.
   */
  async listCompleted(filter: CompletedFilter): Promise<{ rows: TaskRow[]; nextCursor?: string }> {
    const limit = pageLimit(filter.limit);
    const after =
      filter.cursor !== undefined ? decodeCompletedCursor(filter.cursor) : { at: filter.since ?? 0, seq: 0 };
    const rows = await completedSince(this.db, filter.kind, after.at)
      .where((eb) => eb.or([eb("updated_at", ">", after.at), eb("seq", ">", after.seq)]))
      .selectAll()
      .orderBy("updated_at")
      .orderBy("seq")
      .limit(limit + 1)
      .execute();
    if (rows.length <= limit) return { rows };
    const page = rows.slice(0, limit);
    const last = page[page.length - 1]!;
    return { rows: page, nextCursor: encodeCompletedCursor(Number(last.updated_at), last.seq) };
  }

  /**
   * Task counts by kind, backend and status, from the counters the database keeps (no scan of
   * tasks), a `transient_failure` row with how many of it wait for the chain (an index of them).
   */
  async counts(): Promise<StatusCount[]> {
    const rows = await this.statements.counts.execute(this.db, {});
    // The waits come as rows of their own (a count of 0), in no particular order.
    const waits = new Map<string, number>();
    for (const r of rows) {
      if (Number(r.waiting) > 0) waits.set(JSON.stringify([r.kind, r.backend]), Number(r.waiting));
    }
    const counts: StatusCount[] = [];
    for (const { kind, backend, status, count } of rows) {
      if (Number(count) === 0) continue;
      const waiting = status === "transient_failure" ? waits.get(JSON.stringify([kind, backend])) : undefined;
      counts.push({ kind, backend, status, count: Number(count), ...(waiting !== undefined && { waiting }) });
    }
    return counts;
  }

  /**
   * When a task of `kind` last completed, or undefined when the database keeps none (nothing
   * completed yet, or pruned).
   */
  async lastCompletedAt(kind: string): Promise<number | undefined> {
    const { last } = await lastCompletion(this.db, kind).executeTakeFirstOrThrow();
    return last === null ? undefined : Number(last);
  }

  async nextRetryAt(): Promise<number | undefined> {
    const { next } = await this.db
      .selectFrom("tasks")
      .select((eb) => eb.fn.min("next_attempt_at").as("next"))
      .where("status", "=", "transient_failure")
      .executeTakeFirstOrThrow();
    return next === null ? undefined : Number(next);
  }

  /** Which of these tasks are completed, failed permanently or cancelled. */
  async finishedAmong(ids: readonly string[]): Promise<string[]> {
    const finished: string[] = [];
    for (let i = 0; i < ids.length; i += MAX_PAGE) {
      const rows = await this.db
        .selectFrom("tasks")
        .select("id")
        .where("id", "in", ids.slice(i, i + MAX_PAGE))
        .where("status", "in", [...TERMINAL_STATUSES])
        .execute();
      finished.push(...rows.map((r) => r.id));
    }
    return finished;
  }

  /**
   * Held tasks whose lease lapsed before `before` (or every held task, when `before` is undefined),
   * and every task `deadOwner` holds. `before` is by the caller's clock, whose present is `now`
   * (see `databaseTime`).
   */
  async lapsedLeases(before: number | undefined, now: number, deadOwner?: string): Promise<TaskRow[]> {
    let query = this.db.selectFrom("tasks").selectAll().where("lease_expires_at", "is not", null);
    if (before !== undefined) {
      const lapsed = databaseTime(this.dialect, before, now);
      query = query.where((eb) =>
        deadOwner === undefined
          ? eb("lease_expires_at", "<", lapsed)
          : eb.or([eb("lease_expires_at", "<", lapsed), eb("owner", "=", deadOwner)]),
      );
    }
    return query.orderBy("seq").execute();
  }

  // ── submissions ─────────────────────────────────────────────────────────────────────────────

  /**
   * Inserts new tasks in one statement; a task that exists is returned untouched (`created: false`).
   * A new task's priority is its submission time: older work is served first.
   */
  async insertMany(tasks: readonly NewTask[], now: number): Promise<Stored[]> {
    if (tasks.length === 0) return [];
    return this.write((trx) => this.insertRows(trx, tasks, now), createdChanges);
  }

  /**
   * Stores the dependencies a held task's resolution found, as `insertMany` does, and links the
   * task to them (in their order, replacing any links an abandoned earlier resolution made) in the
   * same transaction: no crash or cancel between the two leaves work stored that nothing needs.
   * Stores nothing, returning undefined, if its owner no longer holds the task.
   */
  async insertDependencies(
    held: TaskRow,
    tasks: readonly NewTask[],
    now: number,
  ): Promise<Stored[] | undefined> {
    return this.write(async (trx) => {
      if (!(await this.stillHeld(trx, held))) return undefined;
      const stored = await this.insertRows(trx, tasks, now);
      await trx.deleteFrom("task_deps").where("task_id", "=", held.id).execute();
      const links = [...new Set(tasks.map((t) => t.id))].map((dep_id, position) => ({
        task_id: held.id,
        dep_id,
        position,
      }));
      for (const slice of slices(links, rowsPerStatement(LINK_COLUMNS))) {
        await trx.insertInto("task_deps").values(slice).execute();
      }
      return stored;
    }, createdChanges);
  }

  private async insertRows(
    trx: Transaction<Database>,
    tasks: readonly NewTask[],
    now: number,
  ): Promise<Stored[]> {
    const unique = [...new Map(tasks.map((t) => [t.id, t])).values()];
    if (unique.length === 0) return [];
    const inserted: TaskRow[] = [];
    // In slices: thousands of tasks (a task's dependencies, a submission) bind more values than
    // one statement may.
    for (const slice of slices(unique, rowsPerStatement(TASK_COLUMNS))) {
      inserted.push(...(await this.insertSlice(trx, slice, now)));
    }
    const created = new Set(inserted.map((row) => row.id));
    const missing = unique.filter((t) => !created.has(t.id)).map((t) => t.id);
    const existing: TaskRow[] = [];
    for (const slice of slices(missing, MAX_BOUND_VALUES)) {
      existing.push(...(await trx.selectFrom("tasks").selectAll().where("id", "in", slice).execute()));
    }
    const rows = new Map([...inserted, ...existing].map((row) => [row.id, row]));
    // A task given twice was created once: its first occurrence says so, and is announced once.
    return tasks.map((task) => ({ row: rows.get(task.id)!, created: created.delete(task.id) }));
  }

  /** Inserts the tasks that do not exist yet; returns those it created. */
  private insertSlice(
    trx: Transaction<Database>,
    tasks: readonly NewTask[],
    now: number,
  ): Promise<TaskRow[]> {
    return trx
      .insertInto("tasks")
      .values(
        // Column by column rather than `{ ...task, retry_count: 0, … }`: on Node 20 each property
        // written after a spread takes a slow path, ~1 µs apiece, 13–20 µs a task here.
        tasks.map((task) => ({
          id: task.id,
          kind: task.kind,
          backend: task.backend,
          context: task.context,
          status: task.status,
          phase: task.phase,
          retry_count: 0,
          next_attempt_at: null,
          error: null,
          created_at: now,
          updated_at: now,
          priority: now,
          owner: null,
          lease_expires_at: null,
          claimed_at: null,
          job_id: null,
        })),
      )
      .onConflict((oc) => oc.column("id").doNothing())
      .returningAll()
      .execute();
  }

  // ── claims and leases ───────────────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` tasks waiting for `step`, lowest priority value first, in one statement:
   * records the owner, a new attempt number (the fencing token) and the lease expiry. On
   * PostgreSQL the candidates are locked with SKIP LOCKED, so instances claiming at once take
   * different tasks instead of waiting on each other.
   */
  async claim(step: TaskPhase, request: ClaimRequest): Promise<Change[]> {
    const from = STEP_START[step];
    const { kinds, backends, limit, owner, leaseMs, now } = request;
    if (kinds.length === 0 || limit <= 0 || backends?.length === 0) return [];
    const claim = this.statements.claim(step, kinds.length, backends?.length);
    const values = {
      limit,
      owner,
      lease_expires_at: now + leaseMs,
      lease_ms: leaseMs,
      now,
      ...Object.fromEntries(kinds.map((kind, i) => [`kind${i}`, kind])),
      ...Object.fromEntries((backends ?? []).map((backend, i) => [`backend${i}`, backend])),
    };
    return this.write(
      async (trx) => (await claim.execute(trx, values)).map((row): Change => ({ row, from })),
      allChanges,
    );
  }

  /**
   * Extends the leases `owner` holds on `ids`, the tasks its attempts are working on; returns the
   * ones it still holds. A task missing from the answer was taken from it (expired and reclaimed,
   * or cancelled): its attempt must stop. A task held in `owner`'s name that no attempt works on
   * (its claim's answer was lost with the connection) is not renewed: it lapses, and is taken over.
   * `until` is by the caller's clock, whose present is `now` (see `databaseTime`).
   */
  async renewLeases(
    owner: string,
    ids: readonly string[],
    until: number,
    now: number,
  ): Promise<{ id: string; attempt: number }[]> {
    if (ids.length === 0) return [];
    const expiry = databaseTime(this.dialect, until, now);
    if (this.dialect === "postgres") {
      // Not through the group commit, and past rows another session has locked: a write waiting
      // on one row's lock (an operator's session, a long report) holds the group commit, and a
      // renewal behind it would let every other lease of this instance lapse while it is healthy.
      // A locked row it still holds is reported as held (as committed), renewed at the next beat.
      const { rows } = await sql<{ id: string; attempt: number }>`
        with renewed as (
          update tasks set lease_expires_at = ${expiry}
          where id in (
            select id from tasks
            where owner = ${owner} and lease_expires_at is not null and id = any(${[...ids]})
            for no key update skip locked)
          returning id, attempt)
        select id, attempt from renewed
        union all
        select id, attempt from tasks
        where owner = ${owner} and lease_expires_at is not null and id = any(${[...ids]})
          and id not in (select id from renewed)`.execute(this.db);
      return rows;
    }
    return this.write((trx) =>
      trx
        .updateTable("tasks")
        .set({ lease_expires_at: expiry })
        .where("owner", "=", owner)
        .where("lease_expires_at", "is not", null)
        .where("id", "in", ids)
        .returning(["id", "attempt"])
        .execute(),
    );
  }

  /** Persists a remote prover's job id with the held task, before the owner waits on the job. */
  async recordJob(held: TaskRow, jobId: string): Promise<boolean> {
    const updated = await this.write((trx) =>
      trx.updateTable("tasks").set({ job_id: jobId }).where(heldAs(held)).returning("id").executeTakeFirst(),
    );
    return updated !== undefined;
  }

  // ── fenced finishes of claimed steps ────────────────────────────────────────────────────────

  /**
   * Records the resolution of a task whose dependencies `insertDependencies` stored and linked: it
   * moves where `decide` says given their states (a cycle unlinks them). Dependencies inherit the
   * task's priority (transitively), so the work under a task is served before unrelated work
   * submitted later.
   */
  async recordResolution(
    held: TaskRow,
    depIds: readonly string[],
    decide: (deps: readonly DependencyState[], cycle: boolean) => ResolutionOutcome,
    now: number,
  ): Promise<Change[] | undefined> {
    return this.write(async (trx) => {
      if (!(await this.stillHeld(trx, held))) return undefined;
      const cycle = await this.cascade.reaches(trx, depIds, held.id);
      if (cycle) await trx.deleteFrom("task_deps").where("task_id", "=", held.id).execute();
      await this.cascade.inheritPriority(trx, depIds, held.priority);
      const deps = cycle ? [] : await this.cascade.lockAndRead(trx, depIds);
      if (!cycle && deps.length < new Set(depIds).size) {
        // Deleted since they were stored and linked: an instance pruned them meanwhile. Resolving
        // again stores them anew; deciding now would take a missing dependency for a finished one.
        const missing = depIds.filter((id) => !deps.some((d) => d.id === id));
        throw new TransientError(
          `dependencies ${missing.join(", ")} were pruned while this task was resolved; resolving again`,
        );
      }
      const outcome = decide(deps, cycle);
      if (outcome.to === "permanent_failure") {
        return this.failHeld(trx, held, "resolve", outcome.error, now);
      }
      const moved = await this.finish(
        trx,
        held,
        outcome.to,
        { retry_count: 0, error: null },
        now,
        "resolved",
      );
      return moved && [moved];
    }, allChanges);
  }

  /**
   * `held`'s dependencies whose proofs were found stale (`staleProofReason`) lose them and start
   * again from `restartAt`, and `held` goes where its dependencies now put it (`decide`): blocked
   * until they are proven again, or queued when another instance has proven them again meanwhile.
   * One transaction, fenced by `held`'s lease: a dependent that finds a dependency already taken
   * back (another dependent found it first) waits for it, and the cascade of its completion, which
   * commits after, queues every dependent it blocked. A proof is dropped only from a completed task
   * still at the attempt that made the stale proof. With none stale, `held` only waits for
   * dependencies another dependent took back. `detour` is `held`'s new retry count and the reason
   * its history records.
   */
  async reproveStale(
    held: TaskRow,
    stale: readonly { readonly id: string; readonly attempt: number }[],
    restartAt: (dependency: TaskRow) => StepStart,
    decide: (deps: readonly DependencyState[]) => ResolutionOutcome,
    detour: { readonly retryCount: number; readonly why: string },
    now: number,
  ): Promise<Change[] | undefined> {
    return this.write(async (trx) => {
      if (!(await this.stillHeld(trx, held))) return undefined;
      const changes: Change[] = [];
      // In id order: two dependents taking back the same dependencies lock them in one order.
      for (const proof of [...stale].sort((a, b) => (a.id < b.id ? -1 : 1))) {
        const query = trx.selectFrom("tasks").selectAll().where("id", "=", proof.id);
        const dependency = await (this.dialect === "postgres" ? query.forUpdate() : query).executeTakeFirst();
        // Proven again since it was read (its attempt moved on): that proof is the current one.
        if (dependency?.status !== "completed" || dependency.attempt !== proof.attempt) continue;
        await trx.deleteFrom("receipts").where("task_seq", "=", dependency.seq).execute();
        const moved = await startAfresh(trx, dependency, restartAt(dependency), now);
        if (moved) changes.push(moved);
      }
      const depIds = await trx
        .selectFrom("task_deps")
        .select("dep_id")
        .where("task_id", "=", held.id)
        .execute();
      const outcome = decide(
        await this.cascade.lockAndRead(
          trx,
          depIds.map((d) => d.dep_id),
        ),
      );
      if (outcome.to === "permanent_failure") {
        const failed = await this.failHeld(trx, held, held.phase, outcome.error, now);
        return failed && [...changes, ...failed];
      }
      const fields = { error: null, retry_count: detour.retryCount };
      const moved = await this.finish(trx, held, outcome.to, fields, now, "stale_dependencies", detour.why);
      return moved && [...changes, moved];
    }, allChanges);
  }

  /**
   * Stores the receipt and moves the task on, in one transaction: a proof is never stored for a
   * task that is not marked proven, nor the other way round. Unblocks dependents on completion.
   * On PostgreSQL the proofs finished in one turn share one statement (`BatchedWrite`).
   */
  async storeProof(
    held: TaskRow,
    receipt: ProofReceipt,
    to: "publishing" | "completed",
    now: number,
  ): Promise<Change[] | undefined> {
    if (!canTransition(held.status, to)) throw new InvalidTransitionError(held.id, held.status, to);
    if (this.proofs) return this.proofs.add({ held, receipt, to, now });
    return this.write(async (trx) => {
      const moved = await this.finish(trx, held, to, { retry_count: 0, error: null }, now, "proven");
      if (!moved) return undefined;
      await this.statements.storeReceipt.execute(trx, toReceiptRow(held.seq, receipt, now));
      return this.afterProof(trx, moved, to, now);
    }, allChanges);
  }

  private async afterProof(
    trx: Transaction<Database>,
    moved: Finished,
    to: "publishing" | "completed",
    now: number,
  ): Promise<Change[]> {
    return to === "completed" ? [moved, ...(await this.unblockDependents(trx, moved, now))] : [moved];
  }

  /** Fenced finishes of proofs, their attempts and receipts as one statement (PostgreSQL). */
  private async storeProofsInOne(
    trx: Transaction<Database>,
    statement: Prepared<FinishedRow, Record<string, unknown[]>>,
    proofs: readonly ProofToStore[],
  ): Promise<(Change[] | undefined)[]> {
    const rows = await statement.execute(trx, {
      held_id: proofs.map((p) => p.held.id),
      held_attempt: proofs.map((p) => p.held.attempt),
      held_owner: proofs.map((p) => p.held.owner ?? ""),
      held_status: proofs.map((p) => p.held.status),
      held_phase: proofs.map((p) => p.held.phase),
      started_at: proofs.map((p) => p.held.claimed_at ?? p.now),
      now: proofs.map((p) => p.now),
      status: proofs.map((p) => p.to),
      proof: proofs.map((p) => p.receipt.proof),
      public_values: proofs.map((p) => p.receipt.publicValues),
      zkvm: proofs.map((p) => p.receipt.metadata.zkvm),
      program_id: proofs.map((p) => p.receipt.metadata.programId),
      version: proofs.map((p) => p.receipt.metadata.version),
      proof_type: proofs.map((p) => p.receipt.metadata.proofType),
    });
    const moved = new Map(rows.map((row) => [claimKey(row), row]));
    const changes: (Change[] | undefined)[] = [];
    for (const { held, to, now } of proofs) {
      const row = moved.get(claimKey(held));
      // The same claim handed in twice applied once: the second copy reports nothing done.
      moved.delete(claimKey(held));
      changes.push(row && (await this.afterProof(trx, finished(row, held.status), to, now)));
    }
    return changes;
  }

  /** Publication done: the task completes and its dependents may start. */
  async completePublication(held: TaskRow, now: number): Promise<Change[] | undefined> {
    return this.write(async (trx) => {
      const fields = { retry_count: 0, error: null };
      const moved = await this.finish(trx, held, "completed", fields, now, "published");
      return moved && [moved, ...(await this.unblockDependents(trx, moved, now))];
    }, allChanges);
  }

  /**
   * A failed attempt, as the lifecycle classified it; a permanent failure fails its dependents too.
   * With `dropProof`, a permanent failure deletes the task's stored proof in the same fenced
   * transaction, so a resubmission starts from its first step (see `OutdatedProofError`).
   */
  async failStep(
    held: TaskRow,
    outcome: FailureOutcome,
    now: number,
    options: { readonly dropProof?: boolean } = {},
  ): Promise<Change[] | undefined> {
    return this.write(async (trx) => {
      if (outcome.to === "permanent_failure") {
        const failed = await this.failHeld(trx, held, held.phase, outcome.error, now);
        if (failed && options.dropProof) {
          await trx.deleteFrom("receipts").where("task_seq", "=", held.seq).execute();
        }
        return failed;
      }
      const fields = {
        retry_count: outcome.retryCount,
        next_attempt_at: outcome.nextAttemptAt,
        error: outcome.error,
        // On the row, not only in the history: a list reads no history (see 0011).
        waiting: outcome.waiting ? 1 : 0,
      };
      const moved = await this.finish(
        trx,
        held,
        "transient_failure",
        fields,
        now,
        // Recorded as a failure, a wait for the chain read as one in the history `paas status` prints.
        outcome.waiting ? "waiting" : "transient_failure",
        outcome.error,
      );
      return moved && [moved];
    }, allChanges);
  }

  private async failHeld(
    trx: Transaction<Database>,
    held: TaskRow,
    phase: TaskPhase,
    error: string,
    now: number,
  ): Promise<Change[] | undefined> {
    const fields = { phase, error, next_attempt_at: null };
    const moved = await this.finish(trx, held, "permanent_failure", fields, now, "permanent_failure", error);
    return moved && [moved, ...(await this.cascade.failDependents(trx, moved.row, now))];
  }

  /** The fenced write that ends a claimed step: matches owner, attempt and status, then drops the lease. */
  private async finish(
    trx: Transaction<Database>,
    held: TaskRow,
    to: TaskStatusName,
    fields: Fields,
    now: number,
    outcome: AttemptOutcome,
    error: string | null = null,
  ): Promise<Finished | undefined> {
    if (held.status !== to && !canTransition(held.status, to)) {
      throw new InvalidTransitionError(held.id, held.status, to);
    }
    const set = (Object.keys(fields) as FinishField[]).filter((f) => fields[f] !== undefined).sort();
    // Spread last: properties written after a spread are slow on Node 20 (see insertMany).
    const updated = await this.statements.finish(set).executeTakeFirst(trx, {
      status: to,
      updated_at: now,
      held_id: held.id,
      held_attempt: held.attempt,
      held_owner: held.owner ?? "",
      held_status: held.status,
      ...fields,
    });
    if (!updated) return undefined;
    await this.recordAttempt(trx, held, outcome, error, now);
    return finished(updated, held.status);
  }

  /** A completed task's dependents that now have every dependency completed are queued. */
  private async unblockDependents(
    trx: Transaction<Database>,
    done: Finished,
    now: number,
  ): Promise<Change[]> {
    return done.hasDependents ? this.cascade.unblockDependents(trx, done.row.id, now) : [];
  }

  private async recordAttempt(
    trx: Executor,
    held: TaskRow,
    outcome: AttemptOutcome,
    error: string | null,
    now: number,
  ): Promise<void> {
    await this.statements.recordAttempt.execute(trx, {
      task_seq: held.seq,
      attempt: held.attempt,
      phase: held.phase,
      instance: held.owner ?? "",
      started_at: held.claimed_at ?? now,
      ended_at: now,
      outcome,
      error,
    });
  }

  /**
   * Whether the owner still holds the task, for a transaction that writes more than the task's row
   * (dependencies and their links). On PostgreSQL the row stays locked until the commit: a takeover
   * waits for it, so what the transaction writes before its fenced finish cannot outlive a lease
   * lost meanwhile. (SQLite has one writer at a time anyway.)
   */
  private async stillHeld(trx: Transaction<Database>, held: TaskRow): Promise<boolean> {
    const query = trx.selectFrom("tasks").select("id").where(heldAs(held));
    const row = await (this.dialect === "postgres" ? query.forUpdate() : query).executeTakeFirst();
    return row !== undefined;
  }

  // ── guarded writes: submissions, operators, retries, takeovers ─────────────────────────────

  /**
   * Moves one task from the status it had when read to `to`, only if nobody changed it since.
   * Returns undefined when somebody did (the caller's view is stale and it must not act).
   */
  async transition(
    row: TaskRow,
    to: TaskStatusName,
    fields: Fields,
    now: number,
  ): Promise<Change | undefined> {
    return this.write((trx) => guardedTransition(trx, row, to, fields, now), oneChange);
  }

  /** Starts a failed or cancelled task again, from publication when its proof is already stored. */
  async restart(
    row: TaskRow,
    target: (hasReceipt: boolean) => StepStart,
    now: number,
  ): Promise<Change | undefined> {
    return this.write(async (trx) => {
      const receipt = await trx
        .selectFrom("receipts")
        .select("task_seq")
        .where("task_seq", "=", row.seq)
        .executeTakeFirst();
      return startAfresh(trx, row, target(receipt !== undefined), now);
    }, oneChange);
  }

  /**
   * Takes back a completed task whose proof was found outdated, in one transaction fenced by the
   * attempt that made the proof (`row.attempt`): the task starts again from `start`, its proof is
   * deleted, and its history records why as an attempt of its own (outcome `outdated`, the next
   * attempt number, so a late write of the attempt that completed it matches nothing). Dependents
   * need no cascade: one queued finds a dependency unfinished and waits for it (see
   * `someDependencyUnfinished`), the others wait anyway. Undefined when the task changed since it
   * was read (proven again, or taken back by another caller).
   */
  async reproveOutdated(
    row: TaskRow,
    start: StepStart,
    reason: string,
    instance: string,
    now: number,
  ): Promise<Change | undefined> {
    if (!canTransition(row.status, start.status))
      throw new InvalidTransitionError(row.id, row.status, start.status);
    return this.write(async (trx) => {
      const attempt = row.attempt + 1;
      const updated = await trx
        .updateTable("tasks")
        .set({
          status: start.status,
          phase: start.phase,
          attempt,
          retry_count: 0,
          next_attempt_at: null,
          error: null,
          interruptions: 0,
          job_id: null,
          owner: null,
          lease_expires_at: null,
          updated_at: now,
        })
        .where("id", "=", row.id)
        .where("status", "=", row.status)
        .where("attempt", "=", row.attempt)
        .returningAll()
        .executeTakeFirst();
      if (!updated) return undefined;
      await trx.deleteFrom("receipts").where("task_seq", "=", row.seq).execute();
      await this.statements.recordAttempt.execute(trx, {
        task_seq: row.seq,
        attempt,
        phase: row.phase,
        instance,
        started_at: now,
        ended_at: now,
        outcome: "outdated" satisfies AttemptOutcome,
        error: reason,
      });
      return { row: updated, from: row.status };
    }, oneChange);
  }

  /** A cancelled task stops (its holder's lease with it); tasks blocked on it fail, naming it. */
  async cancel(row: TaskRow, now: number): Promise<Change[]> {
    return this.write(async (trx) => {
      const moved = await guardedTransition(trx, row, "cancelled", { next_attempt_at: null }, now);
      if (!moved) return [];
      if (row.lease_expires_at !== null) await this.recordAttempt(trx, row, "cancelled", "cancelled", now);
      return [moved, ...(await this.cascade.failDependents(trx, moved.row, now))];
    }, allChanges);
  }

  /** A graceful stop: every step this owner holds goes back to where it starts, uncounted. */
  async releaseHeld(owner: string, now: number): Promise<Change[]> {
    return this.write(async (trx) => {
      const held = await trx
        .selectFrom("tasks")
        .selectAll()
        .where("owner", "=", owner)
        .where("lease_expires_at", "is not", null)
        .execute();
      const changes: Change[] = [];
      for (const row of held) {
        const to = STEP_START[row.phase];
        const updated = await trx
          .updateTable("tasks")
          .set({ status: to, owner: null, lease_expires_at: null, updated_at: now })
          .where(heldAs(row))
          .returningAll()
          .executeTakeFirst();
        if (!updated) continue;
        await this.recordAttempt(trx, row, "released", "the instance stopped", now);
        changes.push({ row: updated, from: row.status });
      }
      return changes;
    }, allChanges);
  }

  /**
   * Takes a task from an owner whose lease lapsed (it crashed, hung or was cut off): one interruption
   * more, and the status the lifecycle chose. Guarded by the attempt the caller read, so of several
   * instances reaping at once one applies, and an owner that renewed in the meantime keeps it.
   * `lapsedBefore` is by the caller's clock, whose present is `now` (see `databaseTime`).
   */
  async interrupt(
    row: TaskRow,
    decision: { readonly to: TaskStatusName; readonly error: string },
    now: number,
    lapsedBefore: number | undefined,
  ): Promise<Change[]> {
    return this.write(async (trx) => {
      // A row another session holds locked is left for a later pass: waiting for it would hold
      // the group commit, and every write of this instance with it.
      if (this.dialect === "postgres") {
        const free = await trx
          .selectFrom("tasks")
          .select("id")
          .where("id", "=", row.id)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!free) return [];
      }
      let update = trx
        .updateTable("tasks")
        .set({
          status: decision.to,
          owner: null,
          lease_expires_at: null,
          interruptions: sql<number>`interruptions + 1`,
          error: decision.error,
          next_attempt_at: null,
          updated_at: now,
        })
        .where("id", "=", row.id)
        .where("attempt", "=", row.attempt)
        .where("status", "=", row.status)
        .where("lease_expires_at", "is not", null);
      if (lapsedBefore !== undefined) {
        update = update.where("lease_expires_at", "<", databaseTime(this.dialect, lapsedBefore, now));
      }
      const updated = await update.returningAll().executeTakeFirst();
      if (!updated) return [];
      await this.recordAttempt(trx, row, "interrupted", decision.error, now);
      const change = { row: updated, from: row.status };
      if (decision.to !== "permanent_failure") return [change];
      return [change, ...(await this.cascade.failDependents(trx, updated, now))];
    }, allChanges);
  }

  /** Failed attempts whose backoff has elapsed go back to the status their step starts from. */
  async promoteDueRetries(now: number): Promise<Change[]> {
    const target = sql<TaskStatusName>`case phase ${sql.join(
      Object.entries(STEP_START).map(
        ([phase, status]) => sql`when ${sql.lit(phase)} then ${sql.lit(status)}`,
      ),
      sql` `,
    )} end`;
    return this.write(async (trx) => {
      const rows = await trx
        .updateTable("tasks")
        .set({ status: target, next_attempt_at: null, updated_at: now })
        .where("status", "=", "transient_failure")
        .where("next_attempt_at", "<=", now)
        .returningAll()
        .execute();
      return rows.map((row): Change => ({ row, from: "transient_failure" }));
    }, allChanges);
  }

  /** Self-healing pass over blocked tasks (see `TaskCascade.sweepBlocked`). */
  async sweepBlocked(now: number): Promise<Change[]> {
    return this.write((trx) => this.cascade.sweepBlocked(trx, now), allChanges);
  }
}

const allChanges = (changes: readonly Change[] | undefined) => changes;
const oneChange = (change: Change | undefined) => change && [change];
/** A submission's new tasks, each from no status; those that existed changed nothing. */
const createdChanges = (stored: readonly Stored[] | undefined) =>
  stored?.filter((s) => s.created).map(({ row }): Change => ({ row, from: null }));

/** The row keeps its extra `has_dependents` column, unread: copying the row without it cost more than a statement. */
function finished(row: FinishedRow, from: TaskStatusName): Finished {
  return { row, from, hasDependents: Boolean(row.has_dependents) };
}

/** Which claim of which task a row is: the fencing token with its task. */
function claimKey(row: Pick<TaskRow, "id" | "attempt">): string {
  return `${row.id}:${row.attempt}`;
}

/** The claim `held` was read under: same owner, attempt and status, lease still present. */
function heldAs(held: TaskRow) {
  return (eb: ExpressionBuilder<Database, "tasks">) =>
    eb.and([
      eb("id", "=", held.id),
      eb("attempt", "=", held.attempt),
      eb("owner", "=", held.owner ?? ""),
      eb("status", "=", held.status),
      eb("lease_expires_at", "is not", null),
    ]);
}

/**
 * A task started again from `start`, as a resubmission or a stale proof does: no retries, error or
 * interruptions counted, and no remote job of an earlier attempt resumed (it proves afresh).
 */
function startAfresh(
  trx: Executor,
  row: TaskRow,
  start: StepStart,
  now: number,
): Promise<Change | undefined> {
  const fields = { phase: start.phase, retry_count: 0, next_attempt_at: null, error: null };
  return guardedTransition(trx, row, start.status, fields, now, { interruptions: 0, job_id: null });
}

async function guardedTransition(
  executor: Executor,
  row: TaskRow,
  to: TaskStatusName,
  fields: Fields,
  now: number,
  extra: { interruptions?: number; job_id?: null } = {},
): Promise<Change | undefined> {
  if (!canTransition(row.status, to)) throw new InvalidTransitionError(row.id, row.status, to);
  const updated = await executor
    .updateTable("tasks")
    .set({ ...fields, ...extra, status: to, owner: null, lease_expires_at: null, updated_at: now })
    .where("id", "=", row.id)
    .where("status", "=", row.status)
    .returningAll()
    .executeTakeFirst();
  return updated && { row: updated, from: row.status };
}

function pageLimit(limit = DEFAULT_PAGE): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidParamsError(`limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  return limit;
}

function encodeCompletedCursor(at: number, seq: number): string {
  return Buffer.from(`completed:${at}:${seq}`).toString("base64url");
}

function decodeCompletedCursor(cursor: string): { at: number; seq: number } {
  const match = /^completed:(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new InvalidParamsError("cursor is not one returned by listCompleted");
  return { at: Number(match[1]), seq: Number(match[2]) };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new InvalidParamsError("cursor is not one returned by list");
  return Number(match[1]);
}

/**
 * Completed tasks of `kind` from `since` on: a range of `tasks_completed_at` (0009), the status a
 * literal as in `lastCompletion`.
 */
function completedSince(db: Executor, kind: string, since: number) {
  return db
    .selectFrom("tasks")
    .where("kind", "=", kind)
    .where("status", "=", sql.lit("completed"))
    .where("updated_at", ">=", since);
}

/**
 * The read behind `lastCompletedAt`: one entry of `tasks_completed_at` (0009). The status is a
 * literal, as the index's condition is: a planner matches a partial index only to a condition it
 * can see, and a generic plan of a parameter is no such condition.
 */
export function lastCompletion(db: Executor, kind: string) {
  return db
    .selectFrom("tasks")
    .select((eb) => eb.fn.max("updated_at").as("last"))
    .where("kind", "=", kind)
    .where("status", "=", sql.lit("completed"));
}
