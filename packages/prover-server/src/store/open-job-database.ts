import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseInUseError, DatabaseUnusableError, PaasError } from "@paas/core";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteAdapter, SqliteDialect } from "kysely";
import { migrateJobDatabase } from "./migrations.js";
import type { JobDatabase } from "./schema.js";

/** The job table's file inside the data directory. */
export const JOB_DATABASE_FILE = "prover-server.sqlite";

export interface OpenedJobDatabase {
  readonly db: Kysely<JobDatabase>;
  readonly file: string;
  close(): Promise<void>;
}

/**
 * Opens (locks and migrates) the job table. The connection holds SQLite's exclusive lock for the
 * life of the process: a second server on the same data directory would run the same queued jobs,
 * so it is refused; the kernel drops the lock when the process dies, even by SIGKILL. WAL with
 * `synchronous = NORMAL` is durable across process crashes, the failure restarts are about.
 */
export async function openJobDatabase(datadir: string): Promise<OpenedJobDatabase> {
  mkdirSync(datadir, { recursive: true });
  const file = path.join(path.resolve(datadir), JOB_DATABASE_FILE);
  let sqlite: SqliteDatabase.Database | undefined;
  let db: Kysely<JobDatabase> | undefined;
  try {
    sqlite = new SqliteDatabase(file, { timeout: 0 });
    lockExclusively(sqlite, file);
    db = new Kysely<JobDatabase>({ dialect: new TransactionalDdlSqliteDialect(sqlite) });
    await migrateJobDatabase(db as Kysely<unknown>, file);
  } catch (error) {
    if (db) await db.destroy();
    else sqlite?.close();
    throw unusable(error, file);
  }
  const opened = db;
  return { db: opened, file, close: () => opened.destroy() };
}

function lockExclusively(sqlite: SqliteDatabase.Database, file: string): void {
  // Exclusive locking mode before WAL: the WAL index then lives in this process's memory, and the
  // lock taken by the first write transaction is kept until the connection closes.
  sqlite.pragma("locking_mode = EXCLUSIVE");
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new DatabaseInUseError(
      `${file} is in use by another prover server: stop it first, or give this one another data directory`,
    );
  }
  sqlite.pragma("synchronous = NORMAL");
}

/** SQLite's own errors (not a database, corrupt, read-only) become one typed error naming the file. */
function unusable(error: unknown, file: string): unknown {
  if (error instanceof PaasError) return error;
  const code = (error as { code?: string }).code ?? "";
  if (!code.startsWith("SQLITE_")) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseUnusableError(`${file} cannot be used as the job table (${code}: ${message})`, {
    cause: error,
  });
}

/**
 * kysely's SQLite adapter says DDL is not transactional, so its migrator would run migrations
 * outside a transaction and a process killed mid-migration would leave half a schema without its
 * record. SQLite's DDL is transactional; saying so makes each migration atomic with its record.
 */
class TransactionalDdlSqliteDialect extends SqliteDialect {
  constructor(database: SqliteDatabase.Database) {
    super({ database });
  }

  override createAdapter(): SqliteAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }
}
