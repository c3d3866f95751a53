import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "./dialect.js";

/**
 * SQLite: the counting triggers of 0002 name their upsert's target `task_counts as c` and add to
 * `c.n`. SQLite checks every trigger again at each `ALTER TABLE … RENAME` in the database (of any
 * table or column), and its check does not resolve that alias: every such rename failed with
 * "error in trigger tasks_count_insert: no such column: c.n", and with it any later migration
 * that renames, as SQLite's way of changing a column's type does. Unqualified, `n` in the
 * `do update` is the existing row's, as before. PostgreSQL's counting (0003) is not affected.
 */
export function sqliteRenamableSchema(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== "sqlite") return;
      for (const statement of SQLITE_COUNT_TRIGGERS) await sql.raw(statement).execute(db);
    },
  };
}

const bump = (row: "new" | "old", delta: string) =>
  `insert into task_counts (kind, backend, status, shard, n)
     values (${row}.kind, ${row}.backend, ${row}.status, 0, ${delta})
     on conflict (kind, backend, status, shard) do update set n = n + excluded.n`;

const SQLITE_COUNT_TRIGGERS = [
  "drop trigger tasks_count_insert",
  "drop trigger tasks_count_delete",
  "drop trigger tasks_count_update",
  `create trigger tasks_count_insert after insert on tasks begin ${bump("new", "1")}; end`,
  `create trigger tasks_count_delete after delete on tasks begin ${bump("old", "-1")}; end`,
  `create trigger tasks_count_update after update of status on tasks when old.status is not new.status
     begin ${bump("old", "-1")}; ${bump("new", "1")}; end`,
];
