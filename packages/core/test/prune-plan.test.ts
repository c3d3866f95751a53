/**
 * A prune first reads what no unfinished task needs, following dependencies level by level. On a
 * deep graph (proofs each needing the one before) each level must look its ids up in
 * task_deps' key: a level that scanned the whole table made the read quadratic, 153 s for a chain
 * of 9,000 among 100k tasks. Asserted on the plan PostgreSQL chooses for the query, with its
 * statistics of such a graph.
 */
import { CompiledQuery } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock, type OpenedDatabase, openDatabase, taskKeyOfCanonical } from "../src/index.js";
import { neededBy, prunable } from "../src/store/operator-store.js";
import { startService } from "./fixtures/start-service.js";
import { databaseFor, otherSession, postgres } from "./support/dialects.js";

interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly Plans?: readonly PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

let opened: OpenedDatabase | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe.runIf(postgres.url !== undefined)("the prune's read of what is still needed (postgres)", () => {
  // 22,000 rows written and read: minutes on a CI machine loaded by other projects' tests.
  it("looks each level's dependencies up by key, never scanning task_deps again", {
    timeout: 120_000,
  }, async () => {
    const clock = new ManualClock();
    const database = await databaseFor("postgres");
    // Migrated by a service, which is gone before the tasks are written.
    await (await startService({ database, clock })).service.close();
    const session = await otherSession(database);
    const old = clock.now() - 30 * 86_400_000;
    try {
      // 2,000 nodes, each needing the one before and 10 leaves; the last 20 still blocked.
      const rows: unknown[][] = [];
      for (let i = 0; i < 22_000; i++) {
        const kind = i % 11 === 10 ? "node" : "leaf";
        const context = JSON.stringify({ index: i, kind });
        const blocked = kind === "node" && i >= 21_780;
        rows.push([
          taskKeyOfCanonical("native", context),
          kind,
          context,
          blocked ? "blocked" : "completed",
          old,
        ]);
      }
      for (let i = 0; i < rows.length; i += 5_000) {
        const page = rows.slice(i, i + 5_000);
        await session.query(
          `insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at, priority, retry_count)
           values ${page.map((_, j) => `($${5 * j + 1}, $${5 * j + 2}, 'native', $${5 * j + 3}, $${5 * j + 4}, 'prove', $${5 * j + 5}, $${5 * j + 5}, 0, 0)`).join(", ")}`,
          page.flat(),
        );
      }
      await session.query(`insert into task_deps (task_id, dep_id, position)
        select n.id, d.id, n.seq - d.seq from tasks n join tasks d on d.seq between n.seq - 11 and n.seq - 1
        where n.kind = 'node' and (d.kind = 'leaf' or d.seq = n.seq - 11)`);
      await session.query("analyze");
    } finally {
      await session.end();
    }

    opened = await openDatabase(database);
    // The slice of the table holding the blocked nodes, as a prune reads it.
    const query = neededBy(opened.db, "postgres", clock.now() - 86_400_000, 21_000, 22_000).compile();
    const { rows } = await opened.db.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
    );
    const recursion = nodes(rows[0]!["QUERY PLAN"][0].Plan).find(
      (n) => n["Node Type"] === "Recursive Union",
    )!;
    const step = recursion.Plans![1]!;
    expect(
      nodes(step).filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "task_deps"),
    ).toEqual([]);
    // Nothing goes: the blocked nodes need every node before them, and their leaves.
    expect(await prunable(opened.db, "postgres", clock.now() - 86_400_000)).toEqual([]);
  });
});
