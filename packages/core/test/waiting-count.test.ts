/**
 * How many tasks wait for the chain, by kind and backend, is read with the task counts at every
 * progress refresh, overview and scrape. It is read from `tasks_waiting` (migration 0012), which
 * holds the waiting tasks alone: not from the tasks of the status, which an outage fills with
 * failures retried. Asserted on the counts and on the plan each engine chooses.
 */
import { CompiledQuery, type Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Database,
  type OpenedDatabase,
  openDatabase,
  type TaskStatusName,
  taskKeyOfCanonical,
} from "../src/index.js";
import { waitingCounts } from "../src/store/task-statements.js";
import { TaskStore } from "../src/store/task-store.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let opened: OpenedDatabase | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

/** Task `i` of `kind` in `status`, waiting for the chain or not. */
function taskRow(i: number, kind: string, status: TaskStatusName, waiting: boolean) {
  const context = JSON.stringify({ index: i, kind });
  return {
    id: taskKeyOfCanonical("native", context),
    kind,
    backend: "native",
    context,
    status,
    phase: "prove" as const,
    created_at: 1_000 + i,
    updated_at: 1_000 + i,
    priority: 0,
    retry_count: 0,
    waiting: waiting ? 1 : 0,
  };
}

async function insertRows(db: Kysely<Database>, rows: readonly ReturnType<typeof taskRow>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto("tasks")
      .values(rows.slice(i, i + 500))
      .execute();
  }
}

describe.each(DIALECTS)("the count of tasks waiting for the chain (%s)", (dialect) => {
  it("is read from the index of waiting tasks, beside each kind's count of its status", async () => {
    opened = await openDatabase(await databaseFor(dialect, { file: true }));
    const { db } = opened;
    // 10,000 tasks: 6,000 completed, 4,000 failing and retried (an outage), and 30 waiting, of two
    // kinds. A task left `waiting` by an earlier status (a wait, then a retry) is no wait now.
    const rows = Array.from({ length: 10_000 }, (_, i) => {
      const kind = i % 3 === 0 ? "checkpoint" : "leaf";
      if (i < 30) return taskRow(i, kind, "transient_failure", true);
      if (i < 4_000) return taskRow(i, kind, "transient_failure", false);
      return taskRow(i, kind, i < 4_100 ? "queued" : "completed", i < 4_100);
    });
    await insertRows(db, rows);
    await sql`analyze`.execute(db);

    const counts = await new TaskStore(db, opened.dialect).counts();
    expect(
      counts.filter((c) => c.status === "transient_failure").sort((a, b) => a.kind.localeCompare(b.kind)),
    ).toEqual([
      { kind: "checkpoint", backend: "native", status: "transient_failure", count: 1_334, waiting: 10 },
      { kind: "leaf", backend: "native", status: "transient_failure", count: 2_666, waiting: 20 },
    ]);
    expect(counts.filter((c) => c.status !== "transient_failure" && c.waiting !== undefined)).toEqual([]);

    const query = waitingCounts(db).compile();
    const plan =
      dialect === "sqlite"
        ? (
            await db.executeQuery<{ detail: string }>(
              CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
            )
          ).rows
            .map((row) => row.detail)
            .join("\n")
        : JSON.stringify(
            (
              await db.executeQuery(
                CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
              )
            ).rows,
          );
    expect(plan).toContain("tasks_waiting");
  });
});
