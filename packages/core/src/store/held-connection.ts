import type { Kysely } from "kysely";

/**
 * Runs SQL on the connection of a transaction this process holds, without kysely's per-query
 * machinery: a connection provider, a mutex and several promises per statement, which on SQLite
 * cost about as much CPU as executing the scheduler's small per-task statements. Only safe inside
 * a transaction's callback, where kysely already holds the one connection for that transaction.
 */
export type HeldConnection = (sql: string, parameters: readonly unknown[]) => unknown[];

const HELD = new WeakMap<Kysely<never>, HeldConnection>();

/** Called by whoever opens a database whose transactions may be bypassed (SQLite). */
export function registerHeldConnection(db: Kysely<never>, run: HeldConnection): void {
  HELD.set(db, run);
}

/** The direct path for statements run in `db`'s transactions, if its dialect has one. */
export function heldConnectionOf(db: Kysely<never>): HeldConnection | undefined {
  return HELD.get(db);
}
