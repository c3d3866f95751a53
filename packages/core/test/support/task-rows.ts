import { CompiledQuery, type Kysely } from "kysely";
import { type Database, type TaskStatusName, taskKeyOfCanonical } from "../../src/index.js";
import type { TestDialect } from "../../src/testing/test-databases.js";

/**
 * Task `i` of `kind` in `status`, as a row written straight into `tasks` (many at once, without a
 * service): submitted at 1,000 + i ms, last changed at `updatedAt` (by default then too).
 */
export function taskRow(
  i: number,
  kind: string,
  status: TaskStatusName,
  { updatedAt = 1_000 + i, waiting = false }: { updatedAt?: number; waiting?: boolean } = {},
) {
  const context = JSON.stringify({ index: i, kind });
  return {
    id: taskKeyOfCanonical("native", context),
    kind,
    backend: "native",
    context,
    status,
    phase: "prove" as const,
    created_at: 1_000 + i,
    updated_at: updatedAt,
    priority: 0,
    retry_count: 0,
    waiting: waiting ? 1 : 0,
  };
}

export async function insertRows(
  db: Kysely<Database>,
  rows: readonly ReturnType<typeof taskRow>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto("tasks")
      .values(rows.slice(i, i + 500))
      .execute();
  }
}

/** The plan the engine chooses for `query`, as text to look an index's name up in. */
export async function queryPlan(
  db: Kysely<Database>,
  dialect: TestDialect,
  query: CompiledQuery,
): Promise<string> {
  if (dialect === "sqlite") {
    const { rows } = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    return rows.map((row) => row.detail).join("\n");
  }
  const { rows } = await db.executeQuery(
    CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
  );
  return JSON.stringify(rows);
}
