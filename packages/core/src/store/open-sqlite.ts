import { mkdirSync } from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
} from "kysely";
import { DatabaseUnusableError, PaasError } from "../errors.js";
import { isStorageFull } from "./database-errors.js";
import { FILE_LOCK_WAIT_MS, SERVING_BUSY_TIMEOUT_MS } from "./file-lock-wait.js";
import { registerHeldConnection } from "./held-connection.js";
import { migrateToLatest } from "./migrations/index.js";
import type { OpenedDatabase } from "./opened-database.js";
import type { Database } from "./schema.js";
import { type HeldLock, lockDatabaseFile } from "./sqlite-lock.js";

/**
 * Opens (locks and migrates) the task database on SQLite. WAL lets readers (status, list) run
 * beside the writer; `synchronous = NORMAL` is durable across process crashes in WAL mode, which is
 * the failure the restart guarantees are about.
 */
export async function openSqlite(file: string): Promise<OpenedDatabase> {
  const inMemory = file === ":memory:";
  let lock: HeldLock | undefined;
  let db: Kysely<Database> | undefined;
  try {
    // In the try: the directory and the lock are the first things written, so a full disk shows here.
    if (!inMemory) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    lock = inMemory ? undefined : lockDatabaseFile(file);
    const sqlite = new SqliteDatabase(file);
    configure(sqlite);
    refuseForeignDatabase(sqlite, file);
    const cached = withStatementCache(sqlite);
    db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect(cached) });
    registerHeldConnection(db as Kysely<never>, {
      run(source, parameters) {
        const statement = cached.prepare(source);
        if (statement.reader) return statement.all(...parameters);
        statement.run(...parameters);
        return [];
      },
      idle: () => !sqlite.inTransaction,
    });
    await migrateToLatest(db as Kysely<unknown>, "sqlite", file);
    // From now on this thread serves: see SERVING_BUSY_TIMEOUT_MS.
    sqlite.pragma(`busy_timeout = ${SERVING_BUSY_TIMEOUT_MS}`);
  } catch (error) {
    await db?.destroy();
    lock?.release();
    throw unusable(error, file);
  }
  const opened = db;
  const held = lock;
  return {
    db: opened,
    dialect: "sqlite",
    description: file,
    exclusive: true,
    async close() {
      await opened.destroy();
      held?.release();
    },
  };
}

function configure(sqlite: SqliteDatabase.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // Opening (a WAL recovery, the switch to WAL) and migrating wait for another process's lock in
  // place, as long as a write waits for it later: nothing is served yet, the database opens first.
  sqlite.pragma(`busy_timeout = ${FILE_LOCK_WAIT_MS}`);
  sqlite.pragma("foreign_keys = ON");
  // 100k tasks with their indexes outgrow SQLite's default 8 MB page cache; keep them in memory.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("temp_store = MEMORY");
  // Checkpoint the WAL every ~40 MB rather than every 4 MB: each checkpoint syncs the database
  // file, and under a steady stream of small commits that sync dominated the cost of a task.
  sqlite.pragma("wal_autocheckpoint = 10000");
}

/** Tables but no migration record: another program's database, which we must not write into. */
function refuseForeignDatabase(sqlite: SqliteDatabase.Database, file: string): void {
  const tables = (
    sqlite
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
      .all() as { name: string }[]
  ).map((t) => t.name);
  if (tables.length === 0 || tables.includes("kysely_migration")) return;
  throw new DatabaseUnusableError(
    `${file} is not a PaaS task database: it holds tables (${tables.slice(0, 5).join(", ")}) but no PaaS migration record; move it away or choose another data directory`,
  );
}

/** SQLite's own errors (not a database, corrupt, read-only) become one typed error naming the file. */
function unusable(error: unknown, file: string): unknown {
  if (error instanceof PaasError) return error;
  const code = (error as { code?: string }).code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  // An operator can act on this one: said plainly, not as a driver's code under a stack.
  if (isStorageFull(error) || code === "ENOSPC") {
    return new DatabaseUnusableError(
      `${file} cannot be used as the task database: the disk holding it is full (${message}); free space on it and start again`,
      { cause: error },
    );
  }
  if (code.startsWith("SQLITE_")) {
    return new DatabaseUnusableError(`${file} cannot be used as the task database (${code}: ${message})`, {
      cause: error,
    });
  }
  return error;
}

/**
 * kysely's SQLite adapter says DDL is not transactional, so its migrator runs migrations outside a
 * transaction and a process killed mid-migration leaves half a schema without its record. SQLite's
 * DDL is transactional; saying so makes each migration atomic with its record.
 */
class TransactionalDdlSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase.Database) {
    super({ database });
  }

  /**
   * A statement that fails with SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM may make SQLite roll the
   * whole transaction back itself. kysely then sends `rollback` anyway, which fails ("no transaction
   * is active") and is thrown instead of the error that says what happened: a full disk was
   * reported as "cannot rollback". Roll back only what is still open.
   */
  override createDriver(): Driver {
    const database = this.database;
    return new (class extends SqliteDriver {
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (database.inTransaction) await super.rollbackTransaction(connection);
      }
    })({ database });
  }

  override createAdapter(): SqliteAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }
}

/**
 * Kysely prepares every query anew; the scheduler runs the same few statements thousands of times
 * a second, so reuse prepared statements by SQL text.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepareCached = (source: string): SqliteDatabase.Statement => {
    let statement = cache.get(source);
    if (!statement) {
      const prepared = sqlite.prepare(source);
      statement = prepared.reader ? rowsBuiltInJs(prepared) : prepared;
      if (cache.size >= 500) cache.clear();
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === "prepare") return prepareCached;
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * A statement that returns rows, as kysely's SQLite driver uses it (`reader`, `all`, `iterate`),
 * whose rows better-sqlite3 hands over as arrays and which are made into objects here. Setting
 * each column of a row object through V8's C++ API cost about half of a 20-column read (15 µs a
 * row against 7.5 µs as an array turned into an object literal), and the scheduler reads a task's
 * whole row at its insert, its claim and each finish, and a status read once per answer.
 */
function rowsBuiltInJs(statement: SqliteDatabase.Statement): SqliteDatabase.Statement {
  statement.raw(true);
  const toRow = rowBuilder(statement.columns().map((column) => column.name));
  const wrapped = {
    reader: true,
    all(...parameters: unknown[]): unknown[] {
      const rows = statement.all(...parameters) as unknown[][];
      const out = new Array<unknown>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = toRow(rows[i]!);
      return out;
    },
    *iterate(...parameters: unknown[]): IterableIterator<unknown> {
      for (const row of statement.iterate(...parameters) as IterableIterator<unknown[]>) yield toRow(row);
    },
  };
  return wrapped as unknown as SqliteDatabase.Statement;
}

/**
 * One object literal per statement, compiled once, so that every row of a statement gets one
 * hidden class: the fastest way V8 has to build them. Names are quoted with JSON.stringify, so a
 * column name is never code. Duplicate names keep the last value, as better-sqlite3's objects do.
 */
function rowBuilder(names: readonly string[]): (values: unknown[]) => Record<string, unknown> {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(", ");
  return new Function("values", `return { ${fields} };`) as (values: unknown[]) => Record<string, unknown>;
}
