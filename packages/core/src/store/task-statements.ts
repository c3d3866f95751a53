import { type Compilable, type Kysely, sql } from "kysely";
import type { TaskPhase, TaskStatusName } from "../contracts/status.js";
import { STEP_RUNNING, STEP_START } from "../scheduler/lifecycle.js";
import { POSTGRES_NOW_MS } from "./database-time.js";
import { type HeldConnection, heldConnectionOf } from "./held-connection.js";
import { Prepared, slot } from "./prepared.js";
import type { TaskRow, TaskRowWithAttempt } from "./rows.js";
import type { Database, ReceiptsTable, TaskAttemptsTable } from "./schema.js";

/** The columns a fenced finish may set besides status, owner and lease. */
export type FinishField = "phase" | "retry_count" | "next_attempt_at" | "error" | "waiting";

/**
 * What the claim of a task, the finish of its step and its history cost per task, and what a status
 * read costs (the row and its attempts): compiled once.
 */
export class TaskStatements {
  readonly get: Prepared<TaskRow, { id: string }>;
  /** The row with its attempts in one statement: one result row per attempt (or one without). */
  readonly getWithAttempts: Prepared<TaskRowWithAttempt, { id: string }>;
  /**
   * Task counts by kind, backend and status from the counters (read at every progress refresh),
   * then the waits for the chain by kind and backend (`waitingCounts`): in one statement, so both
   * are of one snapshot and a count of waits is never more than the count it is part of.
   */
  readonly counts: Prepared<
    {
      kind: string;
      backend: string;
      status: TaskStatusName;
      count: number | string;
      waiting: number | string;
    },
    object
  >;
  readonly recordAttempt: Prepared<unknown, TaskAttemptsTable>;
  readonly storeReceipt: Prepared<unknown, ReceiptsTable>;
  /** PostgreSQL only: fenced finishes of proofs, their attempts and receipts in one round trip. */
  readonly storeProofs: Prepared<FinishedRow, Record<string, unknown[]>> | undefined;
  private readonly finishes = new Map<string, Prepared<FinishedRow, Record<string, unknown>>>();
  private readonly claims = new Map<string, Prepared<TaskRow, Record<string, unknown>>>();

  /** SQLite's direct path for statements run inside the store's transactions. */
  private readonly held: HeldConnection | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {
    this.held = heldConnectionOf(db as Kysely<never>);
    this.get = this.prepare(db.selectFrom("tasks").selectAll().where("id", "=", slot<string>("id")));
    this.getWithAttempts = this.prepare(
      db
        .selectFrom("tasks as t")
        .leftJoin("task_attempts as a", "a.task_seq", "t.seq")
        .selectAll("t")
        .select([
          "a.attempt as a_attempt",
          "a.phase as a_phase",
          "a.instance as a_instance",
          "a.started_at as a_started_at",
          "a.ended_at as a_ended_at",
          "a.outcome as a_outcome",
          "a.error as a_error",
        ])
        .where("t.id", "=", slot<string>("id"))
        .orderBy("a.attempt"),
    );
    this.counts = this.prepare(
      db
        .selectFrom("task_counts")
        .select([
          "kind",
          "backend",
          "status",
          (eb) => eb.fn.sum<number | string>("n").as("count"),
          sql<number | string>`0`.as("waiting"),
        ])
        .groupBy(["kind", "backend", "status"])
        .unionAll(waitingCounts(db)),
    );
    this.recordAttempt = this.prepare(
      db
        .insertInto("task_attempts")
        .values({
          task_seq: slot("task_seq"),
          attempt: slot("attempt"),
          phase: slot("phase"),
          instance: slot("instance"),
          started_at: slot("started_at"),
          ended_at: slot("ended_at"),
          outcome: slot("outcome"),
          error: slot("error"),
        })
        .onConflict((oc) => oc.columns(["task_seq", "attempt"]).doNothing()),
    );
    this.storeReceipt = this.prepare(
      db
        .insertInto("receipts")
        .values({
          task_seq: slot("task_seq"),
          proof: slot("proof"),
          public_values: slot("public_values"),
          zkvm: slot("zkvm"),
          program_id: slot("program_id"),
          version: slot("version"),
          proof_type: slot("proof_type"),
          created_at: slot("created_at"),
        })
        .onConflict((oc) => oc.column("task_seq").doNothing()),
    );
    this.storeProofs = dialect === "postgres" ? this.prepare(storeProofsStatement(db)) : undefined;
  }

  private prepare<Row, Values extends object>(query: Compilable<Row>): Prepared<Row, Values> {
    return new Prepared<Row, Values>(query, this.held);
  }

  /**
   * The fenced write that ends a claimed step, setting `fields` (one statement per set of field
   * names). Matches the claim it was read under: id, attempt, owner and status, lease present.
   * The row it returns says whether any task depends on this one, which spares the many tasks
   * without dependents a statement of their own to find out.
   */
  finish(fields: readonly FinishField[]): Prepared<FinishedRow, Record<string, unknown>> {
    const key = fields.join(",");
    let statement = this.finishes.get(key);
    if (!statement) {
      statement = this.prepare(
        this.db
          .updateTable("tasks")
          .set({
            ...Object.fromEntries(fields.map((field) => [field, slot(field)])),
            status: slot("status"),
            owner: null,
            lease_expires_at: null,
            updated_at: slot("updated_at"),
          })
          .where("id", "=", slot<string>("held_id"))
          .where("attempt", "=", slot<number>("held_attempt"))
          .where("owner", "=", slot<string>("held_owner"))
          .where("status", "=", slot<TaskStatusName>("held_status"))
          .where("lease_expires_at", "is not", null)
          .returningAll()
          .returning((eb) =>
            eb
              .exists(
                eb.selectFrom("task_deps").select("dep_id").whereRef("task_deps.dep_id", "=", "tasks.id"),
              )
              .as("has_dependents"),
          ),
      );
      this.finishes.set(key, statement);
    }
    return statement;
  }

  /**
   * The claim of up to `limit` tasks waiting for `step` (see `TaskStore.claim`); one statement per
   * step and number of kinds and backends claimed, which an instance keeps the same.
   */
  claim(
    step: TaskPhase,
    kinds: number,
    backends: number | undefined,
  ): Prepared<TaskRow, Record<string, unknown>> {
    const key = `${step}:${kinds}:${backends ?? "any"}`;
    let statement = this.claims.get(key);
    if (!statement) {
      statement = this.prepare(this.buildClaim(step, kinds, backends));
      this.claims.set(key, statement);
    }
    return statement;
  }

  private buildClaim(step: TaskPhase, kinds: number, backends: number | undefined) {
    const from: TaskStatusName = STEP_START[step];
    let pick = this.db
      .selectFrom("tasks")
      .select("seq")
      .where("status", "=", from)
      .where("lease_expires_at", "is", null)
      .where(
        "kind",
        "in",
        Array.from({ length: kinds }, (_, i) => slot<string>(`kind${i}`)),
      );
    if (backends !== undefined) {
      pick = pick.where(
        "backend",
        "in",
        Array.from({ length: backends }, (_, i) => slot<string>(`backend${i}`)),
      );
    }
    pick = pick.orderBy("priority").orderBy("seq").limit(slot<number>("limit"));
    if (this.dialect === "postgres") pick = pick.forUpdate().skipLocked();
    // A materialised CTE picks the rows once: as a plain `IN (subquery)`, PostgreSQL may run the
    // subquery again per row and claim more than `limit`. The picked rows need no second status
    // check: PostgreSQL holds their row locks until commit, SQLite has one writer. (Repeating the
    // check made SQLite's planner scan every queued task instead of looking up the picked ones.)
    return this.db
      .with(
        (cte) => cte("picked").materialized(),
        () => pick,
      )
      .updateTable("tasks")
      .set({
        status: STEP_RUNNING[step],
        phase: step,
        owner: slot("owner"),
        attempt: sql<number>`attempt + 1`,
        // In the database's time on PostgreSQL, as every lease is (see databaseTime).
        lease_expires_at:
          this.dialect === "postgres"
            ? sql<number>`${POSTGRES_NOW_MS} + ${slot<number>("lease_ms")}`
            : slot("lease_expires_at"),
        claimed_at: slot("now"),
        updated_at: slot("now"),
      })
      .where("seq", "in", (qb) => qb.selectFrom("picked").select("seq"))
      .returningAll();
  }
}

/** A task row as a finish returns it, with whether other tasks depend on it. */
export type FinishedRow = TaskRow & { has_dependents: boolean | number };

/**
 * On PostgreSQL every statement is a round trip, and the writes of a group commit run one after
 * another on one connection: the fenced finish of a proof, its attempt and its receipt (and the
 * dependents probe) were four round trips per task, and the proofs finished in one turn one such
 * statement each. Here the proofs of a turn arrive as parallel arrays (`unnest`) and
 * data-modifying CTEs do all of it in one statement with the same effects: the inserts read the
 * updated rows, so a finish that matched nothing (the lease was lost) inserts nothing either.
 * SQLite has no data-modifying CTEs; its statements cost no round trip.
 */
function storeProofsStatement(db: Kysely<Database>) {
  const query = sql<FinishedRow>`
    with input as (
      select * from unnest(
        ${slot("held_id")}::text[], ${slot("held_attempt")}::integer[], ${slot("held_owner")}::text[],
        ${slot("held_status")}::text[], ${slot("held_phase")}::text[], ${slot("started_at")}::bigint[],
        ${slot("now")}::bigint[], ${slot("status")}::text[], ${slot("proof")}::bytea[],
        ${slot("public_values")}::bytea[], ${slot("zkvm")}::text[], ${slot("program_id")}::bytea[],
        ${slot("version")}::text[], ${slot("proof_type")}::text[]
      ) as i(held_id, held_attempt, held_owner, held_status, held_phase, started_at, now, status,
             proof, public_values, zkvm, program_id, version, proof_type)
    ), moved as (
      update tasks t
         set retry_count = 0, error = null, status = i.status, owner = null,
             lease_expires_at = null, updated_at = i.now
        from input i
       where t.id = i.held_id and t.attempt = i.held_attempt and t.owner = i.held_owner
         and t.status = i.held_status and t.lease_expires_at is not null
      returning t.*
    ), attempt as (
      insert into task_attempts (task_seq, attempt, phase, instance, started_at, ended_at, outcome, error)
      select m.seq, i.held_attempt, i.held_phase, i.held_owner, i.started_at, i.now, 'proven', null
        from moved m join input i on i.held_id = m.id and i.held_attempt = m.attempt
      on conflict (task_seq, attempt) do nothing
    ), receipt as (
      insert into receipts (task_seq, proof, public_values, zkvm, program_id, version, proof_type, created_at)
      select m.seq, i.proof, i.public_values, i.zkvm, i.program_id, i.version, i.proof_type, i.now
        from moved m join input i on i.held_id = m.id and i.held_attempt = m.attempt
      on conflict (task_seq) do nothing
    )
    select m.*, exists (select 1 from task_deps d where d.dep_id = m.id) as has_dependents
      from moved m`;
  return { compile: () => query.compile(db) };
}

/**
 * The tasks waiting for the chain by kind and backend, as rows of the counts: read from
 * `tasks_waiting` (0012), which holds them alone. Its condition is written as literals, as the
 * index's is: a planner matches a partial index only to a condition it can see.
 */
export function waitingCounts(db: Kysely<Database>) {
  return db
    .selectFrom("tasks")
    .select([
      "kind",
      "backend",
      sql<TaskStatusName>`'transient_failure'`.as("status"),
      sql<number | string>`0`.as("count"),
      (eb) => eb.fn.countAll<number | string>().as("waiting"),
    ])
    .where("status", "=", sql.lit("transient_failure"))
    .where("waiting", "=", sql.lit(1))
    .groupBy(["kind", "backend"]);
}
