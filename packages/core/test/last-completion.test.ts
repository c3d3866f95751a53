/**
 * When a kind's task last completed feeds the checkpoint gauge read at every `/metrics` scrape. It
 * was a max over every completed task of the kind (22–38 ms at 33k completed checkpoints, growing
 * for as long as nothing is pruned); it is one entry of `tasks_completed_at` (migration 0009).
 * Asserted on the value and on the plan each engine chooses.
 */
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../src/index.js";
import { lastCompletion, TaskStore } from "../src/store/task-store.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";
import { insertRows, queryPlan, taskRow } from "./support/task-rows.js";

let opened: OpenedDatabase | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

const STATUSES = ["completed", "completed", "queued", "permanent_failure"] as const;

describe.each(DIALECTS)("the last completion of a kind (%s)", (dialect) => {
  it("is the newest completed task's time, read from the completed tasks' index", async () => {
    opened = await openDatabase(await databaseFor(dialect, { file: true }));
    const { db } = opened;
    // 8,000 tasks of two kinds; the newest of each kind is not completed, so a read that ignored
    // the status would answer its time.
    const rows = Array.from({ length: 8_000 }, (_, i) =>
      taskRow(i, i % 2 === 0 ? "checkpoint" : "leaf", i >= 7_998 ? "queued" : STATUSES[i % 4]!),
    );
    await insertRows(db, rows);
    await sql`analyze`.execute(db);

    const newest = (kind: string) =>
      Math.max(...rows.filter((r) => r.kind === kind && r.status === "completed").map((r) => r.updated_at));
    for (const kind of ["checkpoint", "leaf"]) {
      const { last } = await lastCompletion(db, kind).executeTakeFirstOrThrow();
      expect(Number(last)).toBe(newest(kind));
    }
    expect((await lastCompletion(db, "absent").executeTakeFirstOrThrow()).last).toBeNull();

    const query = lastCompletion(db, "checkpoint").compile();
    const plan = await queryPlan(db, dialect, query);
    expect(plan).toContain("tasks_completed_at");
  });

  it("lists the completed tasks of a kind in completion order, from a time on, a page at a time", async () => {
    opened = await openDatabase(await databaseFor(dialect));
    const { db } = opened;
    // 3,000 completed tasks of one kind, completed in the reverse of their submission, three per
    // millisecond (a page ends inside one), and tasks of another kind and status beside them.
    const rows = Array.from({ length: 4_000 }, (_, i) =>
      taskRow(i, i % 4 === 3 ? "leaf" : "checkpoint", i === 0 ? "queued" : "completed", {
        updatedAt: 10_000 - Math.floor(i / 3),
      }),
    );
    await insertRows(db, rows);
    const store = new TaskStore(db, opened.dialect);
    const read = async (since?: number) => {
      const seen: { index: number; at: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listCompleted({ kind: "checkpoint", since, limit: 1_000, cursor });
        seen.push(
          ...page.rows.map((r) => ({ index: JSON.parse(r.context).index, at: Number(r.updated_at) })),
        );
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return seen;
    };
    const expected = (since: number) =>
      rows
        .map((r, index) => ({ index, at: r.updated_at, r }))
        .filter(({ r, at }) => r.kind === "checkpoint" && r.status === "completed" && at >= since)
        .sort((a, b) => a.at - b.at || a.index - b.index)
        .map(({ index, at }) => ({ index, at }));
    expect(await read()).toEqual(expected(0));
    // Past a page too.
    expect(expected(9_500).length).toBeGreaterThan(1_000);
    expect(await read(9_500)).toEqual(expected(9_500));
  });
});
