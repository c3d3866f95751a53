import { type ExpressionBuilder, type Kysely, sql, type Transaction } from "kysely";
import type { ProofReceipt } from "../contracts/receipt.js";
import {
  canTransition,
  type ListFilter,
  type StatusCount,
  type TaskPhase,
  type TaskStatusName,
} from "../contracts/status.js";
import { InvalidParamsError, InvalidTransitionError } from "../errors.js";
import { type TaskRow, toReceipt, toReceiptRow } from "./rows.js";
import type { Database } from "./schema.js";
import { WriteBatcher } from "./write-batcher.js";

type Executor = Kysely<Database> | Transaction<Database>;

/** A committed change of status: the row as it now is, and the status it left. */
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

/** Where a task goes when it starts again after a permanent failure or cancellation. */
export interface RestartTarget {
  readonly status: TaskStatusName;
  readonly phase: TaskPhase;
}

type TransitionFields = Partial<Pick<TaskRow, "phase" | "retry_count" | "next_attempt_at" | "error">>;

export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/**
 * Every statement the scheduler runs against the tasks tables. Each change of status is a single
 * guarded statement (`WHERE status = <expected>`) or a short transaction of them, so two
 * instances on one database can contend without losing or duplicating work.
 */
export class TaskStore {
  private readonly writes: WriteBatcher;

  constructor(private readonly db: Kysely<Database>) {
    this.writes = new WriteBatcher(db);
  }

  private write<T>(job: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.writes.run(job);
  }

  async get(id: string): Promise<TaskRow | undefined> {
    return this.db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Inserts a new task; when it exists, returns it untouched (`created: false`). */
  async insert(task: NewTask, now: number): Promise<{ row: TaskRow; created: boolean }> {
    return this.write(async (trx) => {
      const inserted = await trx
        .insertInto("tasks")
        .values({
          ...task,
          retry_count: 0,
          next_attempt_at: null,
          error: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { row: inserted, created: true };
      const existing = await trx
        .selectFrom("tasks")
        .selectAll()
        .where("id", "=", task.id)
        .executeTakeFirstOrThrow();
      return { row: existing, created: false };
    });
  }

  /** Starts a failed or cancelled task again, from publication when its proof is already stored. */
  async restart(
    row: TaskRow,
    target: (hasReceipt: boolean) => RestartTarget,
    now: number,
  ): Promise<Change | undefined> {
    return this.write(async (trx) => {
      const receipt = await trx
        .selectFrom("receipts")
        .select("task_id")
        .where("task_id", "=", row.id)
        .executeTakeFirst();
      const { status, phase } = target(receipt !== undefined);
      return this.transitionWith(
        trx,
        row,
        status,
        { phase, retry_count: 0, next_attempt_at: null, error: null },
        now,
      );
    });
  }

  async receipt(id: string): Promise<ProofReceipt | undefined> {
    const row = await this.db.selectFrom("receipts").selectAll().where("task_id", "=", id).executeTakeFirst();
    return row && toReceipt(row);
  }

  /**
   * Moves one task from the status it had when read to `to`, only if nobody changed it since.
   * Returns undefined when somebody did (the caller's view is stale and it must not act).
   */
  async transition(
    row: TaskRow,
    to: TaskStatusName,
    fields: TransitionFields,
    now: number,
  ): Promise<Change | undefined> {
    return this.write((trx) => this.transitionWith(trx, row, to, fields, now));
  }

  private async transitionWith(
    executor: Executor,
    row: TaskRow,
    to: TaskStatusName,
    fields: TransitionFields,
    now: number,
  ): Promise<Change | undefined> {
    if (!canTransition(row.status, to)) throw new InvalidTransitionError(row.id, row.status, to);
    const updated = await executor
      .updateTable("tasks")
      .set({ ...fields, status: to, updated_at: now })
      .where("id", "=", row.id)
      .where("status", "=", row.status)
      .returningAll()
      .executeTakeFirst();
    return updated && { row: updated, from: row.status };
  }

  /** Claims up to `limit` queued tasks of a backend for proving, oldest first, in one statement. */
  async claimQueued(
    backend: string,
    kinds: readonly string[],
    limit: number,
    now: number,
  ): Promise<Change[]> {
    const rows = await this.write((trx) =>
      trx
        .updateTable("tasks")
        .set({ status: "proving", updated_at: now })
        // Select by `seq` (the row id) so the planner looks rows up directly instead of scanning
        // every queued task; the outer status guard keeps the claim safe against contenders.
        .where("seq", "in", (qb) =>
          qb
            .selectFrom("tasks")
            .select("seq")
            .where("status", "=", "queued")
            .where("backend", "=", backend)
            .where("kind", "in", kinds)
            .orderBy("seq")
            .limit(limit),
        )
        .where("status", "=", "queued")
        .returningAll()
        .execute(),
    );
    return rows.map((row) => ({ row, from: "queued" }));
  }

  /**
   * Tasks of the given kinds in a status, oldest first, skipping the ones this process is already
   * working on. Tasks of kinds no registered plugin proves are left alone for whoever does.
   */
  async oldestIn(
    status: TaskStatusName,
    kinds: readonly string[],
    limit: number,
    skip: ReadonlySet<string>,
  ): Promise<TaskRow[]> {
    const rows = await this.db
      .selectFrom("tasks")
      .selectAll()
      .where("status", "=", status)
      .where("kind", "in", kinds)
      .orderBy("seq")
      .limit(limit + skip.size)
      .execute();
    return rows.filter((row) => !skip.has(row.id)).slice(0, limit);
  }

  /** Failed attempts whose backoff has elapsed go back to the step they failed in. */
  async promoteDueRetries(now: number): Promise<Change[]> {
    const rows = await this.write((trx) =>
      trx
        .updateTable("tasks")
        .set({
          status: sql<TaskStatusName>`case phase when 'resolve' then 'pending' when 'prove' then 'queued' else 'publishing' end`,
          next_attempt_at: null,
          updated_at: now,
        })
        .where("status", "=", "transient_failure")
        .where("next_attempt_at", "<=", now)
        .returningAll()
        .execute(),
    );
    return rows.map((row) => ({ row, from: "transient_failure" }));
  }

  async nextRetryAt(): Promise<number | undefined> {
    const { next } = await this.db
      .selectFrom("tasks")
      .select((eb) => eb.fn.min("next_attempt_at").as("next"))
      .where("status", "=", "transient_failure")
      .executeTakeFirstOrThrow();
    return next === null ? undefined : Number(next);
  }

  /** After a crash, nothing is proving: those attempts died with the process. Counts are kept. */
  async requeueInterrupted(now: number): Promise<Change[]> {
    const rows = await this.write((trx) =>
      trx
        .updateTable("tasks")
        .set({ status: "queued", updated_at: now })
        .where("status", "=", "proving")
        .returningAll()
        .execute(),
    );
    return rows.map((row) => ({ row, from: "proving" }));
  }

  /**
   * Stores the receipt and moves the task on, in one transaction: a proof is never stored for a
   * task that is not marked proven, nor the other way round. Unblocks dependents on completion.
   */
  async storeProof(
    row: TaskRow,
    receipt: ProofReceipt,
    to: "publishing" | "completed",
    now: number,
  ): Promise<Change[]> {
    return this.write(async (trx) => {
      const moved = await this.transitionWith(trx, row, to, { retry_count: 0, error: null }, now);
      if (!moved) return [];
      await trx
        .insertInto("receipts")
        .values(toReceiptRow(row.id, receipt, now))
        .onConflict((oc) => oc.column("task_id").doNothing())
        .execute();
      return to === "completed" ? [moved, ...(await this.unblockDependents(trx, row.id, now))] : [moved];
    });
  }

  /** Publication done: the task completes and its dependents may start. */
  async completePublication(row: TaskRow, now: number): Promise<Change[]> {
    return this.write(async (trx) => {
      const moved = await this.transitionWith(trx, row, "completed", { retry_count: 0, error: null }, now);
      return moved ? [moved, ...(await this.unblockDependents(trx, row.id, now))] : [];
    });
  }

  private async unblockDependents(trx: Executor, depId: string, now: number): Promise<Change[]> {
    // Most tasks have no dependents; one index probe spares them the update below.
    const dependent = await trx
      .selectFrom("task_deps")
      .select("task_id")
      .where("dep_id", "=", depId)
      .limit(1)
      .executeTakeFirst();
    if (!dependent) return [];
    const rows = await trx
      .updateTable("tasks")
      .set({ status: "queued", updated_at: now })
      .where("status", "=", "blocked")
      .where("seq", "in", (qb) => blockedDependents(qb, depId))
      .where(everyDependencyCompleted)
      .returningAll()
      .execute();
    return rows.map((row) => ({ row, from: "blocked" }));
  }

  /**
   * Fails a task permanently and, transitively, every task blocked on it, each with a reason that
   * names the dependency that failed.
   */
  async failPermanently(
    row: TaskRow,
    phase: TaskPhase,
    error: string,
    now: number,
    executor?: Executor,
  ): Promise<Change[]> {
    const run = async (trx: Executor) => {
      const fields = { phase, error, next_attempt_at: null };
      const moved = await this.transitionWith(trx, row, "permanent_failure", fields, now);
      if (!moved) return [];
      return [moved, ...(await this.failDependents(trx, moved.row, now))];
    };
    return executor ? run(executor) : this.write(run);
  }

  /** A cancelled task stops; tasks blocked on it fail, naming it. */
  async cancel(row: TaskRow, now: number): Promise<Change[]> {
    return this.write(async (trx) => {
      const moved = await this.transitionWith(trx, row, "cancelled", { next_attempt_at: null }, now);
      if (!moved) return [];
      return [moved, ...(await this.failDependents(trx, moved.row, now))];
    });
  }

  private async failDependents(trx: Executor, failed: TaskRow, now: number): Promise<Change[]> {
    const changes: Change[] = [];
    const frontier: TaskRow[] = [failed];
    for (let dep = frontier.pop(); dep; dep = frontier.pop()) {
      const reason = dependencyFailure(dep);
      const rows = await trx
        .updateTable("tasks")
        .set({
          status: "permanent_failure",
          phase: "resolve",
          error: reason,
          next_attempt_at: null,
          updated_at: now,
        })
        .where("status", "=", "blocked")
        .where("seq", "in", (qb) => blockedDependents(qb, dep.id))
        .returningAll()
        .execute();
      for (const row of rows) {
        changes.push({ row, from: "blocked" });
        frontier.push(row);
      }
    }
    return changes;
  }

  /**
   * Records a task's resolved dependencies and decides, in the same transaction, where it goes:
   * failed if a dependency failed or the graph has a cycle, queued if all are proven, else blocked.
   */
  async recordDependencies(row: TaskRow, depIds: readonly string[], now: number): Promise<Change[]> {
    return this.write(async (trx) => {
      if (depIds.length > 0) {
        await trx
          .insertInto("task_deps")
          .values(depIds.map((dep_id, position) => ({ task_id: row.id, dep_id, position })))
          .onConflict((oc) => oc.columns(["task_id", "dep_id"]).doNothing())
          .execute();
      }
      if (await this.reaches(trx, depIds, row.id)) {
        await trx.deleteFrom("task_deps").where("task_id", "=", row.id).execute();
        return this.failPermanently(
          row,
          "resolve",
          `dependency cycle: task ${row.id} depends on itself`,
          now,
          trx,
        );
      }
      const deps =
        depIds.length === 0
          ? []
          : await trx.selectFrom("tasks").selectAll().where("id", "in", depIds).orderBy("seq").execute();
      const failed = deps.find((d) => d.status === "permanent_failure" || d.status === "cancelled");
      if (failed) return this.failPermanently(row, "resolve", dependencyFailure(failed), now, trx);
      const to = deps.every((d) => d.status === "completed") ? "queued" : "blocked";
      const moved = await this.transitionWith(trx, row, to, { retry_count: 0, error: null }, now);
      return moved ? [moved] : [];
    });
  }

  private async reaches(trx: Executor, from: readonly string[], target: string): Promise<boolean> {
    if (from.length === 0) return false;
    if (from.includes(target)) return true;
    const found = await trx
      .withRecursive("reach(id)", (qb) =>
        qb
          .selectFrom("task_deps")
          .select("dep_id as id")
          .where("task_id", "in", from)
          .union((u) =>
            u
              .selectFrom("task_deps as d")
              .innerJoin("reach as r", "r.id", "d.task_id")
              .select("d.dep_id as id"),
          ),
      )
      .selectFrom("reach")
      .select("id")
      .where("id", "=", target)
      .limit(1)
      .executeTakeFirst();
    return found !== undefined;
  }

  /**
   * Two set-based statements, not a query per blocked task: it runs at every start.
   *
   * Self-healing pass for blocked tasks whose last dependency finished while their own
   * resolution was committing (possible with several instances on one database).
   */
  async sweepBlocked(now: number): Promise<Change[]> {
    const unblocked = await this.write((trx) =>
      trx
        .updateTable("tasks")
        .set({ status: "queued", updated_at: now })
        .where("status", "=", "blocked")
        .where(everyDependencyCompleted)
        .returningAll()
        .execute(),
    );
    const changes: Change[] = unblocked.map((row) => ({ row, from: "blocked" }));
    const stuck = await this.db
      .selectFrom("tasks as b")
      .innerJoin("task_deps as d", "d.task_id", "b.id")
      .innerJoin("tasks as t", "t.id", "d.dep_id")
      .selectAll("b")
      .select([
        "t.id as dep_id",
        "t.kind as dep_kind",
        "t.context as dep_context",
        "t.status as dep_status",
        "t.error as dep_error",
      ])
      .where("b.status", "=", "blocked")
      .where("t.status", "in", ["permanent_failure", "cancelled"])
      .execute();
    const seen = new Set<string>();
    for (const { dep_id, dep_kind, dep_context, dep_status, dep_error, ...row } of stuck) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      const dep = { id: dep_id, kind: dep_kind, context: dep_context, status: dep_status, error: dep_error };
      changes.push(...(await this.failPermanently(row, "resolve", dependencyFailure(dep), now)));
    }
    return changes;
  }

  /** Receipts of a task's dependencies, in the order the plugin listed them. */
  async dependencyReceipts(taskId: string) {
    return this.db
      .selectFrom("task_deps as d")
      .innerJoin("tasks as t", "t.id", "d.dep_id")
      .innerJoin("receipts as r", "r.task_id", "d.dep_id")
      .select(["t.context", "t.backend"])
      .selectAll("r")
      .where("d.task_id", "=", taskId)
      .orderBy("d.position")
      .execute();
  }

  async dependencyCount(taskId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom("task_deps")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("task_id", "=", taskId)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async list(filter: ListFilter): Promise<{ rows: TaskRow[]; nextCursor?: string }> {
    const limit = filter.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new InvalidParamsError(`limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    let query = this.db
      .selectFrom("tasks")
      .selectAll()
      .orderBy("seq")
      .limit(limit + 1);
    if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    if (filter.backend !== undefined) query = query.where("backend", "=", filter.backend);
    if (filter.cursor !== undefined) query = query.where("seq", ">", decodeCursor(filter.cursor));
    const rows = await query.execute();
    if (rows.length <= limit) return { rows };
    const page = rows.slice(0, limit);
    return { rows: page, nextCursor: encodeCursor(page[page.length - 1]!.seq) };
  }

  async countByStatus(): Promise<StatusCount[]> {
    const rows = await this.db
      .selectFrom("tasks")
      .select(["kind", "backend", "status", (eb) => eb.fn.countAll<number>().as("count")])
      .groupBy(["kind", "backend", "status"])
      .execute();
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }
}

/** No dependency of the task being updated is short of `completed`. */
function everyDependencyCompleted({ not, exists, selectFrom }: ExpressionBuilder<Database, "tasks">) {
  return not(
    exists(
      selectFrom("task_deps as d")
        .innerJoin("tasks as t", "t.id", "d.dep_id")
        .select("d.dep_id")
        .whereRef("d.task_id", "=", "tasks.id")
        .where("t.status", "<>", "completed"),
    ),
  );
}

/**
 * Row ids of the tasks blocked on a dependency. Written as a cross join with the condition in
 * WHERE, which SQLite takes as "start from task_deps" (its dependency index): without stats its
 * planner otherwise scans every blocked task, 13x slower. PostgreSQL plans it as a plain join.
 */
function blockedDependents(qb: ExpressionBuilder<Database, "tasks">, depId: string) {
  return qb
    .selectFrom("task_deps as d")
    .crossJoin("tasks as b")
    .select("b.seq")
    .whereRef("b.id", "=", "d.task_id")
    .where("d.dep_id", "=", depId)
    .where("b.status", "=", "blocked");
}

function dependencyFailure(dep: Pick<TaskRow, "id" | "kind" | "context" | "status" | "error">): string {
  const what = dep.status === "cancelled" ? "was cancelled" : `failed: ${dep.error ?? "unknown error"}`;
  return `dependency ${dep.kind} ${dep.id} ${dep.context} ${what}`;
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new InvalidParamsError("cursor is not one returned by list");
  return Number(match[1]);
}
