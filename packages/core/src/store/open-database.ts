import { openPostgres } from "./open-postgres.js";
import { openSqlite } from "./open-sqlite.js";
import type { DatabaseLocation, OpenedDatabase } from "./opened-database.js";

export type { DatabaseLocation, Notifications, OpenedDatabase } from "./opened-database.js";

/** Conventional file name inside a data directory. */
export const DATABASE_FILE = "paas.sqlite";

/**
 * Opens the task database and brings its schema up to date: SQLite for one machine (the default,
 * embedded), PostgreSQL for several instances sharing work.
 */
export function openDatabase(location: DatabaseLocation): Promise<OpenedDatabase> {
  return "url" in location ? openPostgres(location) : openSqlite(location.path);
}
