import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "./dialect.js";

/**
 * Tasks, their dependencies and receipts. The only dialect-specific parts are the row id and the
 * binary type: kysely's `autoIncrement()` emits SQLite's (and MySQL's) keyword, which PostgreSQL
 * does not have, so PostgreSQL gets an identity column; and PostgreSQL names binary `bytea`.
 */
export function tasksAndReceipts(dialect: SqlDialect): Migration {
  const binary = dialect === "postgres" ? "bytea" : "blob";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tasks")
        .addColumn("seq", dialect === "postgres" ? "bigint" : "integer", (col) =>
          dialect === "postgres"
            ? col.primaryKey().generatedAlwaysAsIdentity()
            : col.primaryKey().autoIncrement(),
        )
        .addColumn("id", "text", (col) => col.notNull().unique())
        .addColumn("kind", "text", (col) => col.notNull())
        .addColumn("backend", "text", (col) => col.notNull())
        .addColumn("context", "text", (col) => col.notNull())
        .addColumn("status", "text", (col) => col.notNull())
        .addColumn("phase", "text", (col) => col.notNull())
        .addColumn("retry_count", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "bigint")
        .addColumn("error", "text")
        .addColumn("created_at", "bigint", (col) => col.notNull())
        .addColumn("updated_at", "bigint", (col) => col.notNull())
        .execute();
      await db.schema.createIndex("tasks_status_seq").on("tasks").columns(["status", "seq"]).execute();
      await db.schema
        .createIndex("tasks_kind_status_seq")
        .on("tasks")
        .columns(["kind", "status", "seq"])
        .execute();
      await db.schema
        .createIndex("tasks_retry_due")
        .on("tasks")
        .column("next_attempt_at")
        .where(sql.ref("status"), "=", "transient_failure")
        .execute();

      await db.schema
        .createTable("task_deps")
        .addColumn("task_id", "text", (col) => col.notNull())
        .addColumn("dep_id", "text", (col) => col.notNull())
        .addColumn("position", "integer", (col) => col.notNull())
        .addPrimaryKeyConstraint("task_deps_pk", ["task_id", "dep_id"])
        .execute();
      await db.schema.createIndex("task_deps_dep").on("task_deps").column("dep_id").execute();

      await db.schema
        .createTable("receipts")
        .addColumn("task_id", "text", (col) => col.primaryKey())
        .addColumn("proof", binary, (col) => col.notNull())
        .addColumn("public_values", binary, (col) => col.notNull())
        .addColumn("zkvm", "text", (col) => col.notNull())
        .addColumn("program_id", binary, (col) => col.notNull())
        .addColumn("version", "text", (col) => col.notNull())
        .addColumn("proof_type", "text", (col) => col.notNull())
        .addColumn("created_at", "bigint", (col) => col.notNull())
        .execute();
    },
  };
}
