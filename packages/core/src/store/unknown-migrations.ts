import type { Kysely } from "kysely";

/**
 * Migrations `db` records that are not in `known`, sorted: a newer version ran them. kysely's own
 * refusal ("corrupted migrations") names only the first and reads as damage to repair, and
 * deleting the records would let an older version write to a schema it does not know; the task
 * database and the prover server's job table both name every one instead.
 */
export async function unknownMigrations(db: Kysely<unknown>, known: readonly string[]): Promise<string[]> {
  const rows = await db
    .selectFrom("kysely_migration" as never)
    .select("name" as never)
    .execute();
  return rows
    .map((row) => (row as { name: string }).name)
    .filter((name) => !known.includes(name))
    .sort();
}
