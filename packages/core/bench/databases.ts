import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { DatabaseLocation } from "../src/index.js";

export const POSTGRES_URL =
  process.env.PAAS_BENCH_POSTGRES_URL ?? "postgres://paas:paas@127.0.0.1:5432/paas_test";

/** A database for one measurement, and how to throw it away afterwards. */
export interface BenchDatabase {
  readonly location: DatabaseLocation;
  /** For the printed table. */
  readonly label: string;
  dispose(): Promise<void>;
}

/** A SQLite file (WAL) in a fresh temporary directory. */
export function freshSqlite(): BenchDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-bench-"));
  return {
    location: { path: path.join(dir, "paas.sqlite") },
    label: "SQLite",
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own (`bench_<random>`), dropped by `dispose`: runs never see each other's rows. */
export function freshPostgres(url = POSTGRES_URL): BenchDatabase {
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  return {
    location: { url, schema },
    label: "PostgreSQL",
    async dispose() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Whether PostgreSQL answers at `url`; the benchmark skips its PostgreSQL part (saying so) if not. */
export async function postgresAnswers(url = POSTGRES_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}
