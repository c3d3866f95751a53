import pg from "pg";
import { afterEach, inject } from "vitest";
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
