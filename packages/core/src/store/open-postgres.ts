import { createHash } from "node:crypto";
import { Kysely } from "kysely";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { DatabaseUnusableError, PaasError } from "../errors.js";
import { migrateToLatest } from "./migrations/index.js";
import type { Notifications, OpenedDatabase } from "./opened-database.js";
import { OwnSchemaPostgresDialect } from "./own-schema-dialect.js";
import { PgListener } from "./pg-listener.js";
import { serverSideName } from "./prepared.js";
import type { Database } from "./schema.js";
import { refuseTransactionPooling } from "./session-pooling.js";

export interface PostgresLocation {
  readonly url: string;
  /** A schema of its own inside the database (created if missing); default: the URL's search path. */
  readonly schema?: string;
  /**
   * Connections this instance's pool may open (default 10), beside one kept for LISTEN. At least
   * 3: the group commit holds one, lease renewals take another, reads the rest.
   */
  readonly poolSize?: number;
}

const INT8_OID = 20;
const POOL_SIZE = 10;
const MIN_POOL_SIZE = 3;
/** How long a new connection may take to open: the pool's and the wake-up listener's. */
const CONNECT_TIMEOUT_MS = 10_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A pooled client that gives up opening its connection after CONNECT_TIMEOUT_MS. */
class TimedClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    // The pool hides the password from enumeration (logs, stack traces), so a spread drops it.
    super({ ...config, password: config?.password, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

/**
 * Opens (and migrates) the task database on PostgreSQL through a connection pool. Timestamps and
 * row ids are `bigint` columns holding values below 2^53, so they are read as numbers. Several
 * instances open the same database: kysely's migrator serialises their migrations.
 */
export async function openPostgres(location: PostgresLocation): Promise<OpenedDatabase> {
  const description = redactedUrl(location.url) + (location.schema ? ` (schema ${location.schema})` : "");
  if (location.schema !== undefined && !SCHEMA_NAME.test(location.schema)) {
    throw new DatabaseUnusableError(`schema "${location.schema}" is not a plain lower-case SQL name`);
  }
  const poolSize = location.poolSize ?? POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < MIN_POOL_SIZE) {
    throw new DatabaseUnusableError(
      `a pool of ${poolSize} connections is too small: the group commit, lease renewals and reads need at least ${MIN_POOL_SIZE}`,
    );
  }
  const onPath = await schemaOnPath(location.url, description);
  const connection: pg.ClientConfig = {
    ...(location.schema === undefined
      ? { connectionString: location.url }
      : withSearchPath(location.url, location.schema, description)),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? Number
          : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
    },
  };
  // A server that never answers (packets dropped, a host that accepts and hangs) is given up on
  // after CONNECT_TIMEOUT_MS rather than waited for forever: at start, and by every write later.
  // The timeout is the client's own, not the pool's: the pool's `connectionTimeoutMillis` also
  // bounds the wait for a connection other statements hold (all ten waiting on a table lock, a
  // `vacuum full`), which failed a write, and the proof it stored, after 10 s of a healthy wait.
  const pool = new pg.Pool({
    ...connection,
    max: poolSize,
    keepAlive: true,
    Client: TimedClient,
    // Pinned by a statement, not by `options` as a configured schema is: PgBouncer refuses that
    // startup parameter, and an instance without a schema runs behind one in session mode.
    ...(location.schema === undefined &&
      onPath !== undefined && {
        onConnect: async (client: pg.ClientBase) => {
          await client.query(`set search_path to ${onPath}`);
        },
      }),
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    // Nor one checked out between two statements (a group commit's transaction, a query about to
    // be sent) when the server ends its session: pg emits `error` on a client with no query
    // running, and the pool listens only while the client is idle. The next query on it fails
    // and its release drops it from the pool.
    client.on("error", () => {});
    keepHotStatementsPrepared(client);
  });
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  const listener = new PgListener({ ...connection, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await refuseTransactionPooling(() => new TimedClient(connection), description);
    if (location.schema !== undefined) await createSchema(pool, location.schema, description);
    await migrateToLatest(db as Kysely<unknown>, "postgres", description, location.schema);
  } catch (error) {
    await db.destroy();
    if (error instanceof PaasError) throw error;
    throw new DatabaseUnusableError(
      `cannot use PostgreSQL at ${description}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const channelName = (channel: string) =>
    notificationChannel(location.schema ?? onPath ?? "public", channel);
  const notifications: Notifications = {
    listen: (channel, onMessage) => listener.listen(channelName(channel), onMessage),
    async notify(channel, payload) {
      await pool.query("select pg_notify($1, $2)", [channelName(channel), payload]);
    },
  };
  return {
    db,
    dialect: "postgres",
    description,
    exclusive: false,
    notifications,
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

/** PostgreSQL's longest identifier, in bytes; a channel name is one. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * The channel a schema's instances wake each other on: `paas_<schema>_<channel>`, readable in
 * `pg_stat_activity`. A long schema name would make it longer than an identifier may be, which
 * `LISTEN` truncates and `pg_notify` refuses: every wake-up would be lost, leaving only polling.
 * Such a schema is named by a digest of its name instead.
 */
export function notificationChannel(schema: string, channel: string): string {
  const readable = `paas_${schema}_${channel}`;
  if (Buffer.byteLength(readable) <= MAX_IDENTIFIER_BYTES) return readable;
  return `paas_${createHash("sha256").update(schema).digest("hex").slice(0, 16)}_${channel}`;
}

/**
 * The statements run for every task (`Prepared`) are sent as named prepared statements: each
 * session parses and plans them once instead of at every execution (kysely sends unnamed ones).
 * pg remembers per connection which names it has prepared, and prepares them again on a new one.
 */
function keepHotStatementsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((config: unknown, ...rest: unknown[]) => {
    const name = typeof config === "string" ? serverSideName(config) : undefined;
    if (name === undefined) return query(config, ...rest);
    // pg's own callers (pool.query) pass a callback after the values: keep it.
    const [values, ...callback] = rest;
    return query({ name, text: config, values }, ...callback);
  }) as typeof client.query;
}

/**
 * One session before anything else, so a server that is down, a wrong password or a missing
 * database is reported as what it is, not as the first migration failing. It also says which schema
 * an instance configured without one works in: the first of its search path that exists now,
 * pinned for every session after. Left to each session, the default path `"$user", public` moved
 * to the role's own schema as soon as one was made (by another instance given the role's name as
 * its `database.schema`): the tasks, leases and receipts written until then were no longer seen,
 * and the instance went on in the other one's tables. A schema that is not a plain name is left to
 * the path (its quoting is the URL's); none at all fails the migrations as it did, saying no schema
 * was selected.
 */
async function schemaOnPath(url: string, description: string): Promise<string | undefined> {
  let client: pg.Client | undefined;
  try {
    client = new TimedClient({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ schema: string | null }>("select current_schema() as schema");
    const schema = rows[0]?.schema ?? undefined;
    return schema !== undefined && SCHEMA_NAME.test(schema) ? schema : undefined;
  } catch (error) {
    throw new DatabaseUnusableError(
      `cannot connect to PostgreSQL at ${description}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * The connection settings of `url` with `schema` first on the search path, set at the session's
 * start (`options`). pg lets a URL's own `options` (an operator's `-c statement_timeout=…`) replace
 * those of the config, and the config's replace `PGOPTIONS`: either way the search path was lost,
 * and the tables were made in and read from `public`, where another rollup's may be. So the URL is
 * read as pg reads it, and the operator's options are kept with ours after them (the last `-c` of
 * a setting wins, so a search path of theirs does not).
 */
function withSearchPath(url: string, schema: string, description: string): pg.ClientConfig {
  let config: pg.ClientConfig;
  try {
    config = parseIntoClientConfig(url);
  } catch (error) {
    throw new DatabaseUnusableError(
      `cannot use PostgreSQL at ${description}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const theirs = config.options ?? process.env.PGOPTIONS;
  const ours = `-c search_path=${schema}`;
  return { ...config, options: theirs ? `${theirs} ${ours}` : ours };
}

/**
 * Makes the schema unless it exists. A DBA may give the role a schema of its own and no right to
 * create schemas in the database (PostgreSQL checks that right before `if not exists`), so an
 * existing schema is not created again. `create schema if not exists` races with itself when
 * instances start together; the loser is fine.
 */
async function createSchema(pool: pg.Pool, schema: string, description: string): Promise<void> {
  const { rowCount } = await pool.query("select 1 from pg_namespace where nspname = $1", [schema]);
  if (rowCount !== 0) return;
  try {
    await pool.query(`create schema if not exists ${schema}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === INSUFFICIENT_PRIVILEGE) {
      throw new DatabaseUnusableError(
        `cannot create schema ${schema} at ${description}: ${(error as Error).message} (create it for the role, \`create schema ${schema} authorization <role>\`, or grant the role CREATE on the database)`,
        { cause: error },
      );
    }
    if (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA) throw error;
  }
}

const UNIQUE_VIOLATION = "23505";
const DUPLICATE_SCHEMA = "42P06";
const INSUFFICIENT_PRIVILEGE = "42501";

/** The URL as logs may show it: without its password. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    // pg also takes a password as a parameter (`?password=…`), and a client key's passphrase.
    for (const secret of ["password", "sslpassword"]) {
      if (parsed.searchParams.has(secret)) parsed.searchParams.set(secret, "***");
    }
    return parsed.href;
  } catch {
    return "(an unparsable database URL)";
  }
}
