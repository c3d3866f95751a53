import { mkdirSync } from "node:fs";
import path from "node:path";
import { setImmediate } from "node:timers/promises";
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
  /**
   * Gives the pages of dropped inputs and deleted jobs back to the file system, and empties the
   * write-ahead log into the table file (see `reclaimFreedPages`).
   */
  releaseFreeSpace(): Promise<void>;
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
    reclaimFreedPages(sqlite);
    db = new Kysely<JobDatabase>({ dialect: new TransactionalDdlSqliteDialect(sqlite) });
    await migrateJobDatabase(db as Kysely<unknown>, file);
  } catch (error) {
    if (db) await db.destroy();
    else sqlite?.close();
    throw unusable(error, file);
  }
  const opened = db;
  const connection = sqlite;
  return {
    db: opened,
    file,
    releaseFreeSpace: async () => {
      // In steps, the event loop served between them: freeing runs ~1 s per 400 MB on this
      // thread, which a burst's gigabytes freed at once would hold every answer for. Until the
      // free list stops shrinking (a table the start could not convert frees nothing).
      // better-sqlite3's pragma() steps a statement to its end; kysely steps one returning no
      // rows once, and one step of incremental_vacuum frees one page.
      for (let free = freePages(connection); free > 0; ) {
        connection.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
        await setImmediate();
        const left = freePages(connection);
        if (left >= free) break;
        free = left;
      }
      connection.pragma("wal_checkpoint(TRUNCATE)");
    },
    close: () => opened.destroy(),
  };
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

/**
 * Pages a job no longer needs (its input once it ends, the whole row once the retention deletes
 * it) go back to the file system at each retention sweep (`releaseFreeSpace`): without
 * it the file kept the size of the largest burst of queued inputs for good (gigabytes), and the
 * log the size of the largest write. `auto_vacuum` takes effect on a table file only through a
 * VACUUM, once; one the disk has no room for is tried again at the next start, the server running
 * meanwhile as before.
 */
function reclaimFreedPages(sqlite: SqliteDatabase.Database): void {
  sqlite.pragma("journal_size_limit = 4194304");
  if (sqlite.pragma("auto_vacuum", { simple: true }) === INCREMENTAL_VACUUM) return;
  sqlite.pragma(`auto_vacuum = ${INCREMENTAL_VACUUM}`);
  try {
    sqlite.exec("VACUUM");
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_FULL") throw error;
  }
}

/** Pages freed per step of `releaseFreeSpace` (64 MiB of 4 KiB pages, ~150 ms). */
const VACUUM_STEP_PAGES = 16_384;

function freePages(sqlite: SqliteDatabase.Database): number {
  return sqlite.pragma("freelist_count", { simple: true }) as number;
}

/** `PRAGMA auto_vacuum`'s value for INCREMENTAL. */
const INCREMENTAL_VACUUM = 2;

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
