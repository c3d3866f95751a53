import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import { DatabaseUnusableError } from "../../errors.js";
import { unknownMigrations } from "../unknown-migrations.js";
import { tasksAndReceipts } from "./0001-tasks-and-receipts.js";
import { cluster } from "./0002-cluster.js";
import { statementCounts } from "./0003-statement-counts.js";
import { kindSeqIndex } from "./0004-kind-seq-index.js";
import { sqliteRenamableSchema } from "./0005-sqlite-renamable-schema.js";
import { historyByTaskSeq } from "./0006-history-by-task-seq.js";
import { statusSeqIndex } from "./0007-status-seq-index.js";
import { requeueUnleasedProving } from "./0008-requeue-unleased-proving.js";
import { completedAtIndex } from "./0009-completed-at-index.js";
import { instanceLease } from "./0010-instance-lease.js";
import { taskWaiting } from "./0011-task-waiting.js";
import { waitingIndex } from "./0012-waiting-index.js";
import type { SqlDialect } from "./dialect.js";

export type { SqlDialect } from "./dialect.js";

/**
 * Schema history, one list for both dialects: a migration differs by dialect only where SQL does
 * (identity columns, binary types, trigger syntax). Names are what kysely records in
 * `kysely_migration`, so they never change once released.
 */
export function migrationsFor(dialect: SqlDialect): Record<string, Migration> {
  return {
    "0001_tasks_and_receipts": tasksAndReceipts(dialect),
    "0002_cluster": cluster(dialect),
    "0003_statement_counts": statementCounts(dialect),
    "0004_kind_seq_index": kindSeqIndex,
    "0005_sqlite_renamable_schema": sqliteRenamableSchema(dialect),
    "0006_history_by_task_seq": historyByTaskSeq(dialect),
    "0007_status_seq_index": statusSeqIndex,
    "0008_requeue_unleased_proving": requeueUnleasedProving,
    "0009_completed_at_index": completedAtIndex,
    "0010_instance_lease": instanceLease,
    "0011_task_waiting": taskWaiting,
    "0012_waiting_index": waitingIndex,
  };
}

/** The newest migration's name: what a database written by this version has last. */
export const LATEST_MIGRATION = "0012_waiting_index";

/**
 * Brings the schema up to date. Every pending migration runs in one transaction with its record in
 * `kysely_migration` (on SQLite too: see `openSqlite`), so a process killed mid-migration leaves
 * the schema as it was. On PostgreSQL, kysely holds an advisory lock meanwhile, so instances
 * starting together migrate once.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  where: string,
  schema?: string,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  // kysely looks for its bookkeeping tables in every schema unless told which one is ours.
  const migrator = new Migrator({
    db,
    provider,
    // kysely orders the migrations a database ran by the wall-clock time each was recorded at, and
    // by default refuses a database whose order by time is not the order by name: a clock that went
    // back between two versions (corrected by NTP, another host) left every version refusing it
    // as "newer". Our history is one line, so run order is name order; a migration this version
    // does not know (a newer version's) is still refused.
    allowUnorderedMigrations: true,
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (!error) return;
  const message = error instanceof Error ? error.message : String(error);
  if (/corrupted migrations/.test(message)) {
    // kysely names only the first migration it does not know, and calls the database corrupted,
    // which reads as damage to repair: deleting the records would let this version write to a
    // schema it does not know. Every newer migration is named instead.
    const newer = await unknownMigrations(db, Object.keys(migrationsFor(dialect)));
    const refusal = `${where} was written by a newer version of PaaS (${newer.join(", ")})`;
    throw new DatabaseUnusableError(`${refusal}; ${NEWER_ADVICE[dialect]}`, { cause: error });
  }
  const failed = results?.find((r) => r.status === "Error")?.migrationName;
  // Before any migration runs, kysely creates its bookkeeping tables: that is where a role without
  // the right to create tables fails first.
  const step = failed === undefined ? "preparing the migrations" : `migration ${failed}`;
  throw new DatabaseUnusableError(`${where}: ${step} failed: ${message}${privilegeHint(error)}`, {
    cause: error,
  });
}

/**
 * What an older version does about a database a newer one migrated. A PostgreSQL database is a
 * cluster's: another database for this instance would be a cluster of its own, with none of the
 * tasks submitted to the others.
 */
const NEWER_ADVICE: Record<SqlDialect, string> = {
  sqlite: "run that version, or give this one another database",
  postgres:
    "run that version here too (every instance sharing a database runs the version that migrated it last)",
};

/**
 * What to do about PostgreSQL's insufficient_privilege: since version 15 only a database's owner
 * may create in its `public` schema, so a role a DBA made for PaaS is refused there by default.
 */
function privilegeHint(error: unknown): string {
  if ((error as { code?: unknown } | null)?.code !== "42501") return "";
  return " (the role needs to create tables in its schema: PostgreSQL 15 and later let only the database's owner create in public; grant CREATE on the schema, or give the role a schema of its own)";
}
