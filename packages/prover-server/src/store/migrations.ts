import { DatabaseUnusableError, unknownMigrations } from "@paas/core";
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

/**
 * The job table's schema history. Names are what kysely records in `kysely_migration`, so they
 * never change once released.
 */
const MIGRATIONS: Record<string, Migration> = {
  "0001_jobs": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("jobs")
        .addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement())
        .addColumn("id", "text", (col) => col.notNull().unique())
        .addColumn("request_id", "text", (col) => col.notNull())
        .addColumn("program_id", "text", (col) => col.notNull())
        .addColumn("program_name", "text", (col) => col.notNull())
        .addColumn("program_version", "text", (col) => col.notNull())
        .addColumn("input", "blob")
        .addColumn("state", "text", (col) =>
          col.notNull().check(sql`state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`),
        )
        .addColumn("error", "text")
        .addColumn("retryable", "integer")
        .addColumn("receipt", "blob")
        .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("created_at", "integer", (col) => col.notNull())
        .addColumn("updated_at", "integer", (col) => col.notNull())
        .execute();
      // At most one live job per request id and program: the contract's rule, held by the database too.
      await db.schema
        .createIndex("jobs_live_request")
        .unique()
        .on("jobs")
        .columns(["request_id", "program_id"])
        .where(sql.ref("state"), "in", ["queued", "running", "succeeded"])
        .execute();
      await db.schema.createIndex("jobs_state_seq").on("jobs").columns(["state", "seq"]).execute();
    },
  },
  "0002_jobs_finished_updated": {
    async up(db: Kysely<unknown>) {
      // The retention sweep's scan: finished jobs by the time they ended, live ones left out.
      await db.schema
        .createIndex("jobs_finished_updated")
        .on("jobs")
        .column("updated_at")
        .where(sql.ref("state"), "in", ["succeeded", "failed", "cancelled"])
        .execute();
    },
  },
  "0003_job_handles": {
    async up(db: Kysely<unknown>) {
      // Each start gets its own handle on the job it started or joined: a cancel withdraws that
      // handle, and the proof stops once no handle wants it. A job made before has one, its own id.
      await db.schema
        .createTable("job_handles")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("job_id", "text", (col) => col.notNull())
        .addColumn("withdrawn", "integer", (col) => col.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("job_handles_job").on("job_handles").column("job_id").execute();
      await sql`insert into job_handles (id, job_id) select id, id from jobs`.execute(db);
    },
  },
};

/**
 * Brings the schema up to date; each migration commits atomically with its record (see
 * `openJobDatabase`). A database written by a newer version is refused, not downgraded.
 */
export async function migrateJobDatabase(db: Kysely<unknown>, file: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };
  // Run order is name order: kysely's default check of the order by recorded wall-clock time
  // refused a database as "newer" after the clock went back between two versions.
  const { error, results } = await new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  if (!error) return;
  const message = error instanceof Error ? error.message : String(error);
  if (/corrupted migrations/.test(message)) {
    const newer = await unknownMigrations(db, Object.keys(MIGRATIONS));
    throw new DatabaseUnusableError(
      `${file} was written by a newer version of the prover server (${newer.join(", ")}); run that version, or give this one another data directory`,
      { cause: error },
    );
  }
  const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
  throw new DatabaseUnusableError(`${file}: migration ${failed} failed: ${message}`, { cause: error });
}
