import type { ExpressionBuilder, Transaction } from "kysely";
import type { TaskStatusName } from "../contracts/status.js";
import { DEPENDENCY_DEAD, type DependencyState, dependencyFailure } from "../scheduler/lifecycle.js";
import { MAX_BOUND_VALUES, slices } from "./bound-values.js";
import type { SqlDialect } from "./migrations/index.js";
import type { TaskRow } from "./rows.js";
import type { Database } from "./schema.js";
import type { Change } from "./task-store.js";

type Trx = Transaction<Database>;

/**
 * What one task's outcome does to the tasks around it: dependents unblocked or failed, priorities
 * inherited, cycles found. Set-based statements inside the caller's transaction.
 *
 * On PostgreSQL two instances may finish two dependencies of one task at once; each transaction
 * would see the other's dependency unfinished and leave the dependent blocked for ever. So the
 * dependents' rows (and, when resolving, the dependencies' rows) are locked before they are
 * read: the second transaction waits for the first and then sees its result. SQLite runs one
 * write transaction at a time, so it needs no locks.
 */
export class TaskCascade {
  constructor(private readonly dialect: SqlDialect) {}

  /**
   * After `depId` completed: every dependent whose dependencies are now all completed is queued.
   * Most tasks have no dependents: callers ask only for those that have some (the finishing write
   * tells them).
   */
  async unblockDependents(trx: Trx, depId: string, now: number): Promise<Change[]> {
    await this.lockBlockedDependents(trx, depId);
    const rows = await trx
      .updateTable("tasks")
      .set({ status: "queued", updated_at: now })
      .where("status", "=", "blocked")
      .where("seq", "in", (qb) => blockedDependents(qb, depId))
      .where(everyDependencyCompleted)
      .returningAll()
      .execute();
    return rows.map((row) => ({ row, from: "blocked" as const }));
  }

  /** A task failed or was cancelled: every task blocked on it fails, transitively, naming it. */
  async failDependents(trx: Trx, failed: TaskRow, now: number): Promise<Change[]> {
    const changes: Change[] = [];
    const frontier: TaskRow[] = [failed];
    for (let dep = frontier.pop(); dep; dep = frontier.pop()) {
      await this.lockBlockedDependents(trx, dep.id);
      const rows = await trx
        .updateTable("tasks")
        .set({
          status: "permanent_failure",
          phase: "resolve",
          error: dependencyFailure(dep),
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

  /** The dependencies' states, read after locking them against a concurrent completion (PostgreSQL). */
  async lockAndRead(trx: Trx, depIds: readonly string[]): Promise<DependencyState[]> {
    // Slices in id order lock in id order throughout, as one statement did.
    const ids = [...depIds].sort();
    if (this.dialect === "postgres") {
      for (const slice of slices(ids, MAX_BOUND_VALUES)) {
        await trx
          .selectFrom("tasks")
          .select("id")
          .where("id", "in", slice)
          .orderBy("id")
          .forShare()
          .execute();
      }
    }
    const states = [];
    for (const slice of slices(ids, MAX_BOUND_VALUES)) {
      states.push(
        ...(await trx
          .selectFrom("tasks")
          .select(["seq", "id", "kind", "context", "status", "error"])
          .where("id", "in", slice)
          .execute()),
      );
    }
    return states.sort((a, b) => a.seq - b.seq);
  }

  /** Does any of `from` lead back to `target` through recorded dependencies? */
  async reaches(trx: Trx, from: readonly string[], target: string): Promise<boolean> {
    if (from.includes(target)) return true;
    for (const slice of slices(from, MAX_BOUND_VALUES)) {
      if (await this.reachesFrom(trx, slice, target)) return true;
    }
    return false;
  }

  private async reachesFrom(trx: Trx, from: readonly string[], target: string): Promise<boolean> {
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
   * The work under a task is served at its priority (or its own, if higher): dependencies and
   * theirs, transitively. Closest to the root first, as Aztec's prover broker serves proofs.
   */
  async inheritPriority(trx: Trx, depIds: readonly string[], priority: number): Promise<void> {
    for (const slice of slices(depIds, MAX_BOUND_VALUES)) await this.passPriority(trx, slice, priority);
  }

  private async passPriority(trx: Trx, depIds: readonly string[], priority: number): Promise<void> {
    await trx
      .withRecursive("below(id)", (qb) =>
        qb
          .selectFrom("tasks")
          .select("id")
          .where("id", "in", depIds)
          .union((u) =>
            u
              .selectFrom("task_deps as d")
              .innerJoin("below as b", "b.id", "d.task_id")
              .select("d.dep_id as id"),
          ),
      )
      .updateTable("tasks")
      .set({ priority })
      .where("id", "in", (qb) => qb.selectFrom("below").select("id"))
      .where("priority", ">", priority)
      .execute();
  }

  /**
   * Self-healing pass for blocked tasks whose last dependency finished while their own resolution
   * was committing: queue those whose dependencies all completed, fail those with a dead one.
   * Two set-based statements plus one update per stuck task; it runs at start and now and then.
   */
  async sweepBlocked(trx: Trx, now: number): Promise<Change[]> {
    const unblocked = await trx
      .updateTable("tasks")
      .set({ status: "queued", updated_at: now })
      .where("status", "=", "blocked")
      .where(everyDependencyCompleted)
      .returningAll()
      .execute();
    const changes: Change[] = unblocked.map((row) => ({ row, from: "blocked" }));
    const stuck = await trx
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
      .where("t.status", "in", DEPENDENCY_DEAD as TaskStatusName[])
      .execute();
    const seen = new Set<string>();
    for (const { dep_id, dep_kind, dep_context, dep_status, dep_error, ...row } of stuck) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      const dep = { id: dep_id, kind: dep_kind, context: dep_context, status: dep_status, error: dep_error };
      const failed = await trx
        .updateTable("tasks")
        .set({
          status: "permanent_failure",
          phase: "resolve",
          error: dependencyFailure(dep),
          next_attempt_at: null,
          updated_at: now,
        })
        .where("id", "=", row.id)
        .where("status", "=", "blocked")
        .returningAll()
        .executeTakeFirst();
      if (!failed) continue;
      changes.push({ row: failed, from: "blocked" }, ...(await this.failDependents(trx, failed, now)));
    }
    return changes;
  }

  private async lockBlockedDependents(trx: Trx, depId: string): Promise<void> {
    if (this.dialect !== "postgres") return;
    await trx
      .selectFrom("tasks")
      .select("seq")
      .where("status", "=", "blocked")
      .where("seq", "in", (qb) => blockedDependents(qb, depId))
      .orderBy("seq")
      .forUpdate()
      .execute();
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
