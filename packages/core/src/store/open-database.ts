import { mkdirSync } from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { InvalidConfigError } from "../errors.js";
import { migrateToLatest } from "./migrations.js";
import type { Database } from "./schema.js";

export interface OpenDatabaseOptions {
  /** A file path, or `:memory:` for tests. A file's directory is created if missing. */
  readonly path: string;
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly path: string;
  close(): Promise<void>;
}

/** Conventional file name inside a data directory. */
export const DATABASE_FILE = "paas.sqlite";

/**
 * Opens (and migrates) the task database on SQLite. WAL lets readers (status, list) run beside
 * the writer; `synchronous = NORMAL` is durable across process crashes in WAL mode, which is the
 * failure the restart guarantees are about.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const file = options.path;
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
  } catch (error) {
    throw new InvalidConfigError(`cannot open database ${file}: ${(error as Error).message}`);
  }
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  // 100k tasks with their indexes outgrow SQLite's default 8 MB page cache; keep them in memory.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("temp_store = MEMORY");
  // Checkpoint the WAL every ~40 MB rather than every 4 MB: each checkpoint syncs the database
  // file, and under a steady stream of small commits that sync dominated the cost of a task.
  sqlite.pragma("wal_autocheckpoint = 10000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, path: file, close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; the scheduler runs the same few statements thousands of times
 * a second, so reuse prepared statements by SQL text.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === "prepare") {
        return (source: string) => {
          let statement = cache.get(source);
          if (!statement) {
            statement = prepare(source);
            if (cache.size >= 500) cache.clear();
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
