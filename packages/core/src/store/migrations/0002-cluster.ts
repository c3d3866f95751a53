import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "./dialect.js";

/**
 * What several instances on one database need: leases with a fencing token on every task, claim
 * order by priority, the history of attempts, task counts kept by the database itself, the live
 * instances, and leases of once-per-cluster services.
 */
export function cluster(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("tasks")
        .addColumn("priority", "bigint", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("tasks")
        .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("tasks").addColumn("owner", "text").execute();
      await db.schema.alterTable("tasks").addColumn("lease_expires_at", "bigint").execute();
      await db.schema.alterTable("tasks").addColumn("claimed_at", "bigint").execute();
      await db.schema
        .alterTable("tasks")
        .addColumn("interruptions", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("tasks").addColumn("job_id", "text").execute();
      // Tasks stored before priorities existed are served in submission order, as they were.
      await sql`update tasks set priority = created_at`.execute(db);

      await db.schema.createIndex("tasks_claim").on("tasks").columns(["status", "priority", "seq"]).execute();
      await db.schema
        .createIndex("tasks_held")
        .on("tasks")
        .column("lease_expires_at")
        .where(sql.ref("lease_expires_at"), "is not", null)
        .execute();

      await db.schema
        .createTable("task_attempts")
        .addColumn("task_id", "text", (col) => col.notNull())
        .addColumn("attempt", "integer", (col) => col.notNull())
        .addColumn("phase", "text", (col) => col.notNull())
        .addColumn("instance", "text", (col) => col.notNull())
        .addColumn("started_at", "bigint", (col) => col.notNull())
        .addColumn("ended_at", "bigint", (col) => col.notNull())
        .addColumn("outcome", "text", (col) => col.notNull())
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("task_attempts_pk", ["task_id", "attempt"])
        .execute();

      await db.schema
        .createTable("task_counts")
        .addColumn("kind", "text", (col) => col.notNull())
        .addColumn("backend", "text", (col) => col.notNull())
        .addColumn("status", "text", (col) => col.notNull())
        .addColumn("shard", "bigint", (col) => col.notNull())
        .addColumn("n", "bigint", (col) => col.notNull())
        .addPrimaryKeyConstraint("task_counts_pk", ["kind", "backend", "status", "shard"])
        .execute();
      await sql`insert into task_counts (kind, backend, status, shard, n)
        select kind, backend, status, 0, count(*) from tasks group by kind, backend, status`.execute(db);
      for (const statement of dialect === "postgres" ? POSTGRES_COUNT_TRIGGERS : SQLITE_COUNT_TRIGGERS) {
        await sql.raw(statement).execute(db);
      }

      await db.schema
        .createTable("instances")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("host", "text", (col) => col.notNull())
        .addColumn("pid", "integer", (col) => col.notNull())
        .addColumn("role", "text", (col) => col.notNull())
        .addColumn("started_at", "bigint", (col) => col.notNull())
        .addColumn("heartbeat_at", "bigint", (col) => col.notNull())
        .execute();

      await db.schema
        .createTable("service_leases")
        .addColumn("name", "text", (col) => col.primaryKey())
        .addColumn("owner", "text", (col) => col.notNull())
        .addColumn("expires_at", "bigint", (col) => col.notNull())
        .execute();
    },
  };
}

const bump = (row: "new" | "old", delta: string, shard: string) =>
  `insert into task_counts as c (kind, backend, status, shard, n)
     values (${row}.kind, ${row}.backend, ${row}.status, ${shard}, ${delta})
     on conflict (kind, backend, status, shard) do update set n = c.n + excluded.n`;

/** SQLite: one writer, one shard. */
const SQLITE_COUNT_TRIGGERS = [
  `create trigger tasks_count_insert after insert on tasks begin ${bump("new", "1", "0")}; end`,
  `create trigger tasks_count_delete after delete on tasks begin ${bump("old", "-1", "0")}; end`,
  `create trigger tasks_count_update after update of status on tasks when old.status is not new.status
     begin ${bump("old", "-1", "0")}; ${bump("new", "1", "0")}; end`,
];

/** PostgreSQL: each session counts into its own shard, so concurrent writers never share a counter row. */
const POSTGRES_COUNT_TRIGGERS = [
  `create function paas_count_task() returns trigger language plpgsql as $$
   begin
     if tg_op in ('UPDATE', 'DELETE') then ${bump("old", "-1", "pg_backend_pid()")}; end if;
     if tg_op in ('UPDATE', 'INSERT') then ${bump("new", "1", "pg_backend_pid()")}; end if;
     return null;
   end $$`,
  `create trigger tasks_count_insert_delete after insert or delete on tasks
     for each row execute function paas_count_task()`,
  `create trigger tasks_count_update after update of status on tasks
     for each row when (old.status is distinct from new.status) execute function paas_count_task()`,
];
