/**
 * How many tasks wait for the chain, by kind and backend, is read with the task counts at every
 * progress refresh, overview and scrape. It is read from `tasks_waiting` (migration 0012), which
 * holds the waiting tasks alone: not from the tasks of the status, which an outage fills with
 * failures retried. Asserted on the counts and on the plan each engine chooses.
 */
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../src/index.js";
import { waitingCounts } from "../src/store/task-statements.js";
import { TaskStore } from "../src/store/task-store.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";
import { insertRows, queryPlan, taskRow } from "./support/task-rows.js";

let opened: OpenedDatabase | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe.each(DIALECTS)("the count of tasks waiting for the chain (%s)", (dialect) => {
  it("is read from the index of waiting tasks, beside each kind's count of its status", async () => {
    opened = await openDatabase(await databaseFor(dialect, { file: true }));
    const { db } = opened;
    // 10,000 tasks: 6,000 completed, 4,000 failing and retried (an outage), and 30 waiting, of two
    // kinds. A task left `waiting` by an earlier status (a wait, then a retry) is no wait now.
    const rows = Array.from({ length: 10_000 }, (_, i) => {
      const kind = i % 3 === 0 ? "checkpoint" : "leaf";
      if (i < 30) return taskRow(i, kind, "transient_failure", { waiting: true });
      if (i < 4_000) return taskRow(i, kind, "transient_failure");
      return taskRow(i, kind, i < 4_100 ? "queued" : "completed", { waiting: i < 4_100 });
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
    const plan = await queryPlan(db, dialect, query);
    expect(plan).toContain("tasks_waiting");
  });
});
