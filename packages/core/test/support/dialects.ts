import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, expect, inject } from "vitest";
import type { DatabaseLocation } from "../../src/index.js";
import {
  createTestDatabase,
  type TestDatabase,
  type TestDialect,
  testDialects,
} from "../../src/testing/test-databases.js";

/** Whether this run has PostgreSQL (decided once by the global setup). */
export const postgres = inject("postgres");

/** The dialects every store-backed suite runs on: `describe.each(DIALECTS)`. */
export const DIALECTS: TestDialect[] = testDialects(postgres);

const created: TestDatabase[] = [];
afterEach(async () => {
  for (const db of created.splice(0)) await db.dispose();
});

/**
 * A database of the test's own on `dialect`, disposed after the test. SQLite tests that need no
 * file (nothing survives a restart) use `:memory:`.
 */
export async function databaseFor(
  dialect: TestDialect,
  options: { file?: boolean } = {},
): Promise<DatabaseLocation> {
  if (dialect === "sqlite" && !options.file) return { path: ":memory:" };
  const db = await createTestDatabase(dialect, postgres);
  created.push(db);
  return db.location;
}

/**
 * A session of its own on a PostgreSQL test database (its schema first in the search path), as
 * another instance or an operator's psql would hold one: to lock rows under a running service.
 */
export async function otherSession(database: DatabaseLocation): Promise<pg.Client> {
  if (!("url" in database)) throw new Error("otherSession: a PostgreSQL database is needed");
  const client = new pg.Client({
    connectionString: database.url,
    ...(database.schema !== undefined && { options: `-c search_path=${database.schema}` }),
  });
  await client.connect();
  return client;
}

/** A task row another session holds locked, as an operator's psql or another instance would. */
export interface LockedRow {
  /** The session holding it, in its open transaction (to change the row before letting go). */
  readonly session: pg.Client;
  /** Resolves once `waiters` other sessions (default one) wait on this one's lock, directly or queued behind another waiter. */
  untilSomeoneWaits(waiters?: number, timeoutMs?: number): Promise<void>;
  /** Commits (what `session` changed meanwhile goes with it) and ends the session. */
  commit(): Promise<void>;
  /** Ends the session, rolling back; safe after `commit`. */
  end(): Promise<void>;
}

/** Locks task `id`'s row (`for update`) in a session of its own on a PostgreSQL test database. */
export async function lockedRow(database: DatabaseLocation, id: string): Promise<LockedRow> {
  const session = await otherSession(database);
  await session.query("begin");
  await session.query("select id from tasks where id = $1 for update", [id]);
  const pid = (await session.query("select pg_backend_pid() as pid")).rows[0].pid as number;
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    await session.end();
  };
  return {
    session,
    end,
    async untilSomeoneWaits(waiters = 1, timeoutMs = 10_000) {
      // A second session waiting for the row waits for the first one's tuple lock, not this one's.
      const waits = `
        with recursive waiting(pid) as (
          select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
          union select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid))
        ) select pid from waiting`;
      await expect
        .poll(async () => (await session.query(waits, [pid])).rowCount, { timeout: timeoutMs })
        .toBe(waiters);
    },
    async commit() {
      await session.query("commit");
      await end();
    },
  };
}

/**
 * A login role of the test's own on the test server, with no rights but those PostgreSQL gives
 * every role (connect; no CREATE on the database), as a DBA makes one for an application. Dropped,
 * with whatever it owns, by `drop`.
 */
export async function applicationRole(): Promise<{
  name: string;
  url: string;
  admin: pg.Client;
  drop(): Promise<void>;
}> {
  const name = `paas_role_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`create role ${name} login password 'secret'`);
  const url = new URL(postgres.url!);
  url.username = name;
  url.password = "secret";
  return {
    name,
    url: url.href,
    admin,
    async drop() {
      await admin.query(`drop owned by ${name} cascade`);
      await admin.query(`drop role ${name}`);
      await admin.end();
    },
  };
}
