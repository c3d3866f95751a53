/**
 * A task's dependency graph is shown whole however many tasks it holds: a chain of proofs each
 * needing the one before (a plugin that aggregates recursively) reaches PostgreSQL's 65,535 bound
 * parameters, and a graph read through them could not be shown at all.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../src/index.js";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { DIALECTS, databaseFor, otherSession, postgres } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

describe.runIf(postgres.url !== undefined)("a large dependency graph (postgres)", () => {
  it("is read whole past 65,535 tasks", { timeout: 120_000 }, async () => {
    const clock = new ManualClock();
    const database = await databaseFor("postgres");
    started = await startService({ database, clock });
    const session = await otherSession(database);
    try {
      // 70,000 completed tasks, each needing the one before (keys made up: only their form counts).
      await session.query(`insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at, priority, retry_count)
        select md5(i::text), 'node', 'native', '{"index":' || i || ',"kind":"node"}', 'completed', 'prove', 0, 0, 0, 0
        from generate_series(0, 69999) as i`);
      await session.query(`insert into task_deps (task_id, dep_id, position)
        select md5(i::text), md5((i - 1)::text), 0 from generate_series(1, 69999) as i`);
      await session.query("analyze");
    } finally {
      await session.end();
    }
    const id = (i: number) => createHash("md5").update(String(i)).digest("hex");
    const graph = await started.service.graph(id(69_999));
    expect(graph.nodes).toHaveLength(70_000);
    expect(graph.edges).toHaveLength(69_999);
    expect(graph.nodes[0]).toMatchObject({ id: id(0), status: "completed" });
    expect(graph.edges).toContainEqual({ from: id(69_999), to: id(69_998) });
  });
});

describe.each(DIALECTS)("a task with many dependencies (%s)", (dialect) => {
  // 5,000 new dependencies, 16 columns each, are 80,000 values: past what one statement may bind
  // (SQLite 32,766, PostgreSQL 65,535), which had failed the resolution on every retry.
  it("resolves and proves a task that needs 5,000 others", { timeout: 120_000 }, async () => {
    started = await startService({ database: await databaseFor(dialect, { file: true }), concurrency: 8 });
    const { service, script, host } = started;
    script.graph.set(
      1,
      Array.from({ length: 5_000 }, (_, i) => leaf(i)),
    );
    const { task } = await service.submit(node(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 100_000 })).toMatchObject({ status: "completed" });
    expect(script.dependencyInputs.get(1)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(host.proveCalls).toHaveLength(5_001);
  });

  it("stores 5,000 new tasks submitted together", { timeout: 60_000 }, async () => {
    started = await startService({ database: await databaseFor(dialect, { file: true }) });
    const contexts = Array.from({ length: 5_000 }, (_, i) => leaf(i));
    const results = await started.service.submitMany([...contexts, leaf(0)], "native");
    expect(results.filter((r) => r.created)).toHaveLength(5_000);
    expect(results.at(-1)).toMatchObject({ created: false, task: { id: results[0]!.task.id } });
  });
});
