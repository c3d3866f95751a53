import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "./dialect.js";

/**
 * PostgreSQL: task counts kept per statement instead of per row. A row-level PL/pgSQL trigger cost
 * 60–80 µs per changed row, twice per task (its claim and its finish), and a claim of eight tasks
 * paid it eight times. A statement-level trigger reads the statement's transition tables once and
 * applies the net change per (kind, backend, status) in one upsert. Transition tables rule out a
 * column list (`after update of status`), so the trigger runs for every update of `tasks`; a
 * statement that changes no status (a lease renewal) nets to nothing and writes nothing.
 * SQLite has no statement-level triggers; its row triggers stay.
 */
export function statementCounts(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== "postgres") return;
      for (const statement of POSTGRES_STATEMENT_COUNTS) await sql.raw(statement).execute(db);
    },
  };
}

/** The net change of one statement, into this session's shard (see 0002). */
const applyNet = (source: string) =>
  `insert into task_counts as c (kind, backend, status, shard, n)
     select kind, backend, status, pg_backend_pid(), sum(delta) from (${source}) as changed
      group by kind, backend, status
     having sum(delta) <> 0
   on conflict (kind, backend, status, shard) do update set n = c.n + excluded.n`;

const POSTGRES_STATEMENT_COUNTS = [
  "drop trigger tasks_count_insert_delete on tasks",
  "drop trigger tasks_count_update on tasks",
  "drop function paas_count_task()",
  `create function paas_count_inserted() returns trigger language plpgsql as $$
   begin
     ${applyNet("select kind, backend, status, 1 as delta from inserted_rows")};
     return null;
   end $$`,
  `create function paas_count_deleted() returns trigger language plpgsql as $$
   begin
     ${applyNet("select kind, backend, status, -1 as delta from deleted_rows")};
     return null;
   end $$`,
  `create function paas_count_updated() returns trigger language plpgsql as $$
   begin
     ${applyNet(
       `select kind, backend, status, -1 as delta from old_rows
        union all select kind, backend, status, 1 from new_rows`,
     )};
     return null;
   end $$`,
  `create trigger tasks_count_insert after insert on tasks
     referencing new table as inserted_rows for each statement execute function paas_count_inserted()`,
  `create trigger tasks_count_delete after delete on tasks
     referencing old table as deleted_rows for each statement execute function paas_count_deleted()`,
  `create trigger tasks_count_update after update on tasks
     referencing old table as old_rows new table as new_rows
     for each statement execute function paas_count_updated()`,
];
