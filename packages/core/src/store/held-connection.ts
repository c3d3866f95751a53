import type { Kysely } from "kysely";

/**
 * Runs SQL straight on SQLite's one connection, without kysely's per-query machinery: a connection
 * provider, a mutex and several promises per statement, which on SQLite cost about as much CPU as
 * executing the scheduler's small per-task statements (and a third of a status read's).
 */
export interface HeldConnection {
  /** Runs a statement; returns its rows (none for a write). */
  run(sql: string, parameters: readonly unknown[]): unknown[];
  /**
   * No transaction is open on the connection. A read run now sees only committed rows and cannot
   * be rolled back with anything, so it needs no place in kysely's queue: being synchronous, it
   * also ends before any transaction can begin.
   */
  idle(): boolean;
}

const HELD = new WeakMap<Kysely<never>, HeldConnection>();

/** Called by whoever opens a database whose statements may bypass kysely (SQLite). */
export function registerHeldConnection(db: Kysely<never>, connection: HeldConnection): void {
  HELD.set(db, connection);
}

/** The direct path for `db`'s statements, if its dialect has one. */
export function heldConnectionOf(db: Kysely<never>): HeldConnection | undefined {
  return HELD.get(db);
}
