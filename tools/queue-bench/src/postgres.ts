import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL =
  process.env.PAAS_BENCH_POSTGRES_URL ?? "postgres://paas:paas@127.0.0.1:5432/paas_test";

/** A schema name no other run uses; each round of each system gets its own. */
export function freshSchemaName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function dropSchema(schema: string, url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
