import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { InvalidConfigError } from "../errors.js";

/**
 * Schema history. Written with kysely's schema builder and portable SQL only (partial indexes and
 * `RETURNING` exist in both SQLite and PostgreSQL), so a Postgres dialect needs no new migration.
 */
const migrations: Record<string, Migration> = {
  "0001_tasks_and_receipts": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tasks")
        .addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement())
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
        .addColumn("proof", "blob", (col) => col.notNull())
        .addColumn("public_values", "blob", (col) => col.notNull())
        .addColumn("zkvm", "text", (col) => col.notNull())
        .addColumn("program_id", "blob", (col) => col.notNull())
        .addColumn("version", "text", (col) => col.notNull())
        .addColumn("proof_type", "text", (col) => col.notNull())
        .addColumn("created_at", "bigint", (col) => col.notNull())
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new InvalidConfigError(`database migration ${failed} failed: ${String(error)}`);
  }
}
