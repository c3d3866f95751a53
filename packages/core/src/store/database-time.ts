import { type Expression, sql } from "kysely";
import type { SqlDialect } from "./migrations/index.js";

/**
 * PostgreSQL's time now, as epoch milliseconds: `clock_timestamp()`, which moves on within a
 * transaction as time does, unlike `now()`, which stands at the transaction's start.
 */
export const POSTGRES_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * A lease or heartbeat time as the database keeps it. On PostgreSQL, leases and heartbeats are
 * written and compared in the database's time, not each caller's: instances on machines whose
 * clocks disagree by more than a lease each took the other's live leases for lapsed. SQLite has
 * one process, one clock, and keeps the caller's.
 *
 * `at` is a time by the caller's clock and `now` that clock's present; on PostgreSQL it becomes the
 * database's time as far from the database's present as `at` is from `now`: a distance between two
 * readings of one clock holds on any machine, a time does not.
 */
export function databaseTime(dialect: SqlDialect, at: number, now: number): Expression<number> {
  if (dialect !== "postgres") return sql<number>`${at}`;
  return at === now ? POSTGRES_NOW_MS : sql<number>`${POSTGRES_NOW_MS} + ${at - now}`;
}
