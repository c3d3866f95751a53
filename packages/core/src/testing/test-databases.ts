import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { DatabaseLocation } from "../store/opened-database.js";

/**
 * Test databases on every engine the task store runs on, in the manner of Backstage's
 * `TestDatabases`: a suite is written once and run per dialect, each test on a database of its own.
 *
 * PostgreSQL comes from `TEST_POSTGRES_URL`. When that is set, PostgreSQL is required: a
 * server that does not answer fails the tests (this is how CI runs them). When it is not set, the
 * default local URL is tried; if nothing answers there, PostgreSQL tests are skipped and
 * `describeDialects` says so loudly.
 */
export type TestDialect = "sqlite" | "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** Whether this test run covers PostgreSQL too, and where (provided by the root global setup). */
    postgres: PostgresAvailability;
  }
}

export const DEFAULT_TEST_POSTGRES_URL = "postgres://paas:paas@127.0.0.1:5432/paas_test";

export interface TestDatabase {
  readonly dialect: TestDialect;
  readonly location: DatabaseLocation;
  /** Deletes the file (a PostgreSQL schema is swept by a later run). */
  dispose(): Promise<void>;
}

export interface PostgresAvailability {
  readonly url?: string;
  /** Why PostgreSQL is unavailable, when it is. */
  readonly skipped?: string;
}

/**
 * Decides once per test run whether PostgreSQL tests run (vitest global setup). Throws when
 * `TEST_POSTGRES_URL` is set and the server does not answer.
 */
export async function probePostgres(env: NodeJS.ProcessEnv = process.env): Promise<PostgresAvailability> {
  const required = env.TEST_POSTGRES_URL;
  const url = required ?? DEFAULT_TEST_POSTGRES_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await dropStaleSchemas(client);
    return { url };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (required !== undefined) {
      throw new Error(`TEST_POSTGRES_URL is set but PostgreSQL does not answer there: ${why}`);
    }
    return { skipped: `no PostgreSQL at ${DEFAULT_TEST_POSTGRES_URL} (${why}); set TEST_POSTGRES_URL` };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Test schemas are named `t_<unix seconds>_<random>`; those older than this are a past run's. */
const STALE_AFTER_SECONDS = 3_600;

/**
 * Drops the schemas of test runs long finished. Schemas are not dropped when their test ends, so a
 * failed test's tables can still be read with plain SQL; they are swept here, at the start of a
 * later run (other runs migrating meanwhile are unaffected: see `OwnSchemaPostgresDialect`).
 */
async function dropStaleSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ nspname: string }>(
    "select nspname from pg_namespace where nspname ~ '^t_[0-9]+_[0-9a-f]+$'",
  );
  const now = Math.floor(Date.now() / 1_000);
  for (const { nspname } of rows) {
    const created = Number(nspname.split("_")[1]);
    if (now - created > STALE_AFTER_SECONDS) await client.query(`drop schema if exists ${nspname} cascade`);
  }
}

/** The dialects this run tests: SQLite always, PostgreSQL when the probe found it. */
export function testDialects(postgres: PostgresAvailability): TestDialect[] {
  return postgres.url !== undefined ? ["sqlite", "postgres"] : ["sqlite"];
}

/**
 * A fresh database: a SQLite file in a temporary directory, or a schema of its own in the
 * PostgreSQL test database.
 */
export async function createTestDatabase(
  dialect: TestDialect,
  postgres: PostgresAvailability,
): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "paas-test-db-"));
    return {
      dialect,
      location: { path: path.join(dir, "paas.sqlite") },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (postgres.url === undefined) throw new Error(`PostgreSQL is not available: ${postgres.skipped}`);
  const schema = `t_${Math.floor(Date.now() / 1_000)}_${randomBytes(6).toString("hex")}`;
  // Swept by a later run (see `dropStaleSchemas`), not dropped now.
  return { dialect, location: { url: postgres.url, schema }, async dispose() {} };
}
