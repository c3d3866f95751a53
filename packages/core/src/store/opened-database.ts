import type { Kysely } from "kysely";
import type { SqlDialect } from "./migrations/index.js";
import type { PostgresLocation } from "./open-postgres.js";
import type { Database } from "./schema.js";

/** Where the task database is: a SQLite file (`:memory:` for tests) or a PostgreSQL URL. */
export type DatabaseLocation = { readonly path: string } | PostgresLocation;

/** Messages between the instances of one database (PostgreSQL's LISTEN/NOTIFY). */
export interface Notifications {
  /** Calls `onMessage` with the payload of every notification on `channel`; resolves once listening. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<void>;
  notify(channel: string, payload: string): Promise<void>;
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** For logs and errors: the file, or the URL without its password. */
  readonly description: string;
  /**
   * This process is the database's only user (SQLite, locked): every lease left in it belongs to a
   * process that is gone. On PostgreSQL other instances may hold live leases.
   */
  readonly exclusive: boolean;
  /** Present on PostgreSQL, where other processes share the database. */
  readonly notifications?: Notifications;
  close(): Promise<void>;
}
