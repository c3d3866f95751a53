import { getHeapStatistics } from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NotCancellableError } from "../src/index.js";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
  vi.useRealTimers();
});

describe.each(DIALECTS)("concurrency (%s)", (dialect) => {
  it("never runs more proofs at once than the backend allows, over 500 tasks", async () => {
    started = await startService({ database: await databaseFor(dialect), concurrency: 3 });
    const { service, host } = started;
    const submitted = await Promise.all(
      Array.from({ length: 500 }, (_, i) => service.submit(leaf(i), "native")),
    );
    await Promise.all(submitted.map(({ task }) => service.wait(task.id, { timeoutMs: 30_000 })));
    expect(host.proveCalls).toHaveLength(500);
    expect(host.maxActive).toBe(3);
    expect((await service.summary()).byStatus.completed).toBe(500);
  });

  it("announces a task given twice in one submitMany as created once", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, transitions } = started;
    const results = await service.submitMany([leaf(1), leaf(1), leaf(2)], "native");
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect(transitions.filter((t) => t.from === null).map((t) => t.id)).toEqual([
      results[0]!.task.id,
      results[2]!.task.id,
    ]);
  });

  it("proves a task submitted 100 times concurrently once", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host } = started;
    const results = await Promise.all(Array.from({ length: 100 }, () => service.submit(leaf(7), "native")));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
    await service.wait(results[0]!.task.id, { timeoutMs: 5_000 });
    expect(host.proveCalls).toHaveLength(1);
    // Submitting a completed task again is a no-op.
    expect(await service.submit(leaf(7), "native")).toMatchObject({
      created: false,
      task: { status: "completed" },
    });
    expect(host.proveCalls).toHaveLength(1);
  });
});

describe.each(DIALECTS)("prefetch (%s)", (dialect) => {
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  /** A service with one proving slot, fetching up to `prefetch.depth` inputs ahead of it. */
  const oneSlot = async (prefetch: { depth: number; maxHeapBytes?: number }) =>
    startService({ database: await databaseFor(dialect), concurrency: 1, scheduling: { prefetch } });

  it("reports each claimed backend's slots before its first proof", async () => {
    started = await startService({ database: await databaseFor(dialect), concurrency: 3 });
    // Read at scrape time: a backend absent until it first proves has no capacity series to alert on.
    expect(started.service.provingLoad()).toEqual([{ backend: "native", busy: 0, waiting: 0, capacity: 3 }]);
  });

  it("fetches the next inputs while every slot proves, and proves them once a slot frees", async () => {
    started = await oneSlot({ depth: 2 });
    const { service, host, script } = started;
    const release = host.hold();
    const submitted = await Promise.all([0, 1, 2, 3].map((i) => service.submit(leaf(i), "native")));
    await until(() => host.active === 1 && script.fetched.length === 3);
    // One proving, two fetched ahead; the fourth stays queued for another instance to take.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(script.fetched).toHaveLength(3);
    expect(service.provingLoad()).toEqual([{ backend: "native", busy: 1, waiting: 2, capacity: 1 }]);
    expect((await service.summary()).byStatus.queued).toBe(1);
    release();
    await Promise.all(submitted.map(({ task }) => service.wait(task.id, { timeoutMs: 5_000 })));
    expect(host.maxActive).toBe(1);
    expect(host.proveCalls).toHaveLength(4);
  });

  it.each([
    ["with prefetch 0", { depth: 0 }],
    ["while the heap holds more than the bound", { depth: 4, maxHeapBytes: 1 }],
  ])("fetches nothing ahead %s", async (_, prefetch) => {
    started = await oneSlot(prefetch);
    const { service, host, script } = started;
    const release = host.hold();
    const submitted = await Promise.all([0, 1].map((i) => service.submit(leaf(i), "native")));
    await until(() => host.active === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(script.fetched).toHaveLength(1);
    release();
    await Promise.all(submitted.map(({ task }) => service.wait(task.id, { timeoutMs: 5_000 })));
  });

  it("cancels a task waiting for a slot without ever proving it", async () => {
    started = await oneSlot({ depth: 1 });
    const { service, host, script } = started;
    const release = host.hold();
    const first = await service.submit(leaf(0), "native");
    await until(() => host.active === 1);
    const second = await service.submit(leaf(1), "native");
    await until(() => script.fetched.length === 2);
    expect((await service.cancel(second.task.id)).status).toBe("cancelled");
    await until(() => service.provingLoad()[0]?.waiting === 0);
    release();
    await service.wait(first.task.id, { timeoutMs: 5_000 });
    expect(host.proveCalls.map((c) => (c.input as { index: number }).index)).toEqual([0]);
    expect((await service.status(second.task.id)).status).toBe("cancelled");
  });

  it("gives a freed slot to the waiting input first in priority, not the first fetched", async () => {
    started = await oneSlot({ depth: 2 });
    const { service, host, script } = started;
    // node 1 is submitted first: its dependency inherits its priority and proves first.
    script.graph.set(1, [leaf(2)]);
    let release = host.hold();
    const root = await service.submit(node(1), "native");
    await until(() => host.active === 1);
    const later = await service.submitMany([leaf(3), leaf(4)], "native");
    await until(() => service.provingLoad()[0]?.waiting === 2);
    // leaf 2 proven: leaf 3 takes the slot, and node 1, queued only now, is fetched behind leaf 4.
    release();
    release = host.hold();
    await until(() => script.fetched.includes("node:1") && service.provingLoad()[0]?.waiting === 2);
    release();
    for (const { task } of [root, ...later]) await service.wait(task.id, { timeoutMs: 5_000 });
    const order = host.proveCalls.map((c) => `${c.program}:${(c.input as { index: number }).index}`);
    expect(order).toEqual(["leaf-program:2", "leaf-program:3", "node-program:1", "leaf-program:4"]);
  });

  it("fetches one kind's input ahead while another kind's fetch ahead hangs", async () => {
    started = await oneSlot({ depth: 2 });
    const { service, host, script } = started;
    const release = host.hold();
    const first = await service.submit(leaf(0), "native");
    await until(() => host.active === 1);
    // Leaf fetches ahead go one at a time: this one hangs, deaf to its signal, until let go.
    let letGo!: () => void;
    script.fetching = new Promise((resolve) => {
      letGo = resolve;
    });
    const slow = await service.submit(leaf(1), "native");
    await until(() => script.fetched.length === 2);
    const other = await service.submit(node(5), "native");
    await until(() => service.provingLoad()[0]?.waiting === 1);
    expect(script.fetched).toEqual(["leaf:0", "leaf:1", "node:5"]);
    letGo();
    release();
    for (const { task } of [first, slow, other]) {
      expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    }
  });
});

// Once, on SQLite: the bound is the scheduler's, and a second run would start beside the first's
// inputs, not yet collected.
describe("prefetch memory bound", () => {
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
  };

  it("counts fetched byte arrays, which live outside V8's heap, against the bound", async () => {
    const MiB = 1024 * 1024;
    const heap = getHeapStatistics();
    started = await startService({
      concurrency: 1,
      // 64 MiB above what the process holds now; each fetched input holds 128 MiB of bytes.
      scheduling: {
        prefetch: { depth: 4, maxHeapBytes: heap.used_heap_size + heap.external_memory + 64 * MiB },
      },
    });
    const { service, host, script } = started;
    script.inputBytes = 128 * MiB;
    const release = host.hold();
    const first = await service.submit(leaf(0), "native");
    await until(() => host.active === 1);
    const more = await service.submitMany([1, 2, 3].map(leaf), "native");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(script.fetched).toHaveLength(1);
    release();
    await Promise.all([first, ...more].map(({ task }) => service.wait(task.id, { timeoutMs: 5_000 })));
  });
});

describe.each(DIALECTS)("dependencies (%s)", (dialect) => {
  it("proves the shared dependency of a diamond once, before both of its dependents", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    script.graph.set(1, [node(2), node(3)]);
    script.graph.set(2, [leaf(4)]);
    script.graph.set(3, [leaf(4)]);
    const { task } = await service.submit(node(1), "native");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    const order = host.proveCalls.map((c) => `${c.program}:${(c.input as { index: number }).index}`);
    expect(order.filter((o) => o === "leaf-program:4")).toHaveLength(1);
    expect(order.indexOf("leaf-program:4")).toBeLessThan(order.indexOf("node-program:2"));
    expect(order.indexOf("leaf-program:4")).toBeLessThan(order.indexOf("node-program:3"));
    expect(order[order.length - 1]).toBe("node-program:1");
    expect(order).toHaveLength(4);
  });

  it("announces each task's transitions once, in the order they happened, while finishes unblock dependents", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, transitions } = started;
    // Leaves shared by many nodes: a group commit that finishes leaves unblocks nodes, and a claim
    // in the same commit takes them.
    for (let i = 0; i < 40; i++) script.graph.set(i, [leaf(i), leaf(i + 1), leaf(1000 + (i % 5))]);
    const results = await service.submitMany(
      Array.from({ length: 40 }, (_, i) => node(i)),
      "native",
    );
    await Promise.all(results.map(({ task }) => service.wait(task.id, { timeoutMs: 20_000 })));
    const announced = new Map<string, (string | null)[]>();
    for (const t of transitions) {
      const chain = announced.get(t.id) ?? [t.from];
      expect(t.from, `task ${t.id}: ${chain.join(" → ")}, then ${t.from} → ${t.to}`).toBe(chain.at(-1));
      announced.set(t.id, [...chain, t.to]);
    }
    expect(announced.size).toBe(40 + 41 + 5);
    for (const chain of announced.values()) {
      expect(chain[0]).toBeNull();
      expect(chain.filter((status) => status === "proving")).toHaveLength(1);
      expect(chain.at(-1)).toBe("completed");
    }
  });

  it("fails every dependent of a permanently failed dependency, naming it", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [node(2)]);
    script.graph.set(2, [leaf(3)]);
    script.fetchFailures.set(3, ["permanent"]);
    const { task } = await service.submit(node(1), "native");
    const top = await service.wait(task.id, { timeoutMs: 5_000 });
    const { tasks } = await service.list({ kind: "node" });
    const middle = tasks.find((t) => t.taskId.context.index === 2)!;
    const bottom = (await service.list({ kind: "leaf" })).tasks[0]!;
    expect(bottom).toMatchObject({ status: "permanent_failure", error: "leaf 3: bad data" });
    expect(middle).toMatchObject({ status: "permanent_failure" });
    expect(middle.status === "permanent_failure" && middle.error).toBe(
      `dependency leaf ${bottom.id} {"index":3,"kind":"leaf"} failed: leaf 3: bad data`,
    );
    expect(top.status === "permanent_failure" && top.error).toContain(`dependency node ${middle.id}`);
    expect(top.status === "permanent_failure" && top.error).toContain("leaf 3: bad data");
  });

  it("names the dependency and the first failure in a failure passed up a deep chain, in bounded length", async () => {
    started = await startService({ database: await databaseFor(dialect, { file: true }) });
    const { service, script } = started;
    // node 1 needs node 2, … node 80 needs leaf 0, which fails: each level had quoted the whole
    // error below it, 85 characters more a level (85 kB at 1,000 levels, 42 MB written in all).
    for (let i = 1; i < 80; i++) script.graph.set(i, [node(i + 1)]);
    script.graph.set(80, [leaf(0)]);
    script.fetchFailures.set(0, ["permanent"]);
    const { task } = await service.submit(node(1), "native");
    const top = await service.wait(task.id, { timeoutMs: 30_000 });
    const second = (await service.list({ kind: "node", limit: 100 })).tasks.find(
      (t) => t.taskId.context.index === 2,
    )!;
    expect(top.status).toBe("permanent_failure");
    const error = top.status === "permanent_failure" ? top.error : "";
    expect(error.length).toBeLessThanOrEqual(4_000);
    expect(
      error.startsWith(`dependency node ${second.id} {"index":2,"kind":"node"} failed: dependency node `),
    ).toBe(true);
    expect(error).toMatch(/ … /);
    expect(error.endsWith(`{"index":0,"kind":"leaf"} failed: leaf 0: bad data`)).toBe(true);
  });

  it("restarts failed dependencies when their dependent is submitted again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [leaf(2)]);
    script.fetchFailures.set(2, ["permanent"]);
    const { task } = await service.submit(node(1), "native");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("permanent_failure");
    const again = await service.submit(node(1), "native");
    expect(again.task.status).toBe("pending");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
  });

  it("fails a task whose dependencies form a cycle instead of blocking forever", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [node(2)]);
    script.graph.set(2, [node(1)]);
    const { task } = await service.submit(node(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status).toBe("permanent_failure");
    const all = (await service.list({ kind: "node" })).tasks;
    expect(all.every((t) => t.status === "permanent_failure")).toBe(true);
    const found = all.find(
      (t) => t.status === "permanent_failure" && t.error.startsWith("dependency cycle"),
    )!;
    expect(found.status === "permanent_failure" && found.error).toBe(
      `dependency cycle: node ${found.id} ${JSON.stringify(found.taskId.context)} depends on itself, through its dependencies`,
    );
  });

  it("fails a task that depends on itself, naming it", async () => {
    started = await startService({ database: await databaseFor(dialect, { file: true }) });
    const { service, script } = started;
    script.graph.set(1, [leaf(2), node(1)]);
    const { task } = await service.submit(node(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status === "permanent_failure" && done.error).toBe(
      `dependency cycle: node ${task.id} {"index":1,"kind":"node"} depends on itself, through its dependencies`,
    );
    expect(await service.graph(task.id)).toMatchObject({ edges: [] });
  });
});

describe.each(DIALECTS)("cancellation (%s)", (dialect) => {
  it("aborts a proof in flight, stores nothing, and lets the task be submitted again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host, transitions } = started;
    const release = host.hold();
    const { task } = await service.submit(leaf(1), "native");
    while (host.active === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const cancelled = await service.cancel(task.id);
    expect(cancelled.status).toBe("cancelled");
    while (host.aborted === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await service.status(task.id)).status).toBe("cancelled");
    await expect(service.proof(task.id)).rejects.toThrow(/has no proof: it is cancelled/);
    expect(transitions.filter((t) => t.id === task.id).map((t) => t.to)).toEqual([
      "queued",
      "proving",
      "cancelled",
    ]);

    expect((await service.submit(leaf(1), "native")).task.status).toBe("queued");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    await expect(service.cancel(task.id)).rejects.toBeInstanceOf(NotCancellableError);
  });

  it("fails tasks blocked on a cancelled dependency; retrying them proves the dependency again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    const release = host.hold();
    script.graph.set(1, [leaf(2)]);
    const { task } = await service.submit(node(1), "native");
    while ((await service.status(task.id)).status !== "blocked") await new Promise((r) => setTimeout(r, 1));
    const dep = (await service.list({ kind: "leaf" })).tasks[0]!;
    await service.cancel(dep.id);
    release();
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status === "permanent_failure" && done.error).toMatch(/dependency leaf .* was cancelled/);
    // The operator's (or the checkpoint runner's) retry of the dependent: it needs the dependency.
    await service.submit(node(1), "native");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    expect((await service.status(dep.id)).status).toBe("completed");
  });
});

describe.each(DIALECTS)("queries (%s)", (dialect) => {
  it("lists by kind and status in pages, and summarises by kind, backend and status", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    // One after another: pages list tasks in the order they were stored.
    const all = [];
    for (let i = 0; i < 25; i++) all.push(await service.submit(leaf(i), "native"));
    await Promise.all(all.map(({ task }) => service.wait(task.id, { timeoutMs: 5_000 })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list({
        kind: "leaf",
        status: "completed",
        limit: 10,
        ...(cursor && { cursor }),
      });
      seen.push(...page.tasks.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((r) => r.task.id));
    expect((await service.list({ kind: "node" })).tasks).toEqual([]);
    const summary = await service.summary();
    expect(summary.total).toBe(25);
    expect(summary.rows).toEqual([{ kind: "leaf", backend: "native", status: "completed", count: 25 }]);
    await expect(service.list({ limit: 0 })).rejects.toThrow(/limit must be/);
    await expect(service.list({ cursor: "bogus" })).rejects.toThrow(/cursor/);
    await expect(service.list({ status: "done" as never })).rejects.toThrow(/unknown status "done"/);
  });
});

describe("lease renewal", () => {
  it("does not take a step whose finish committed with the renewal for a lost lease", async () => {
    // Only intervals are faked: the heartbeat renews when the test says, the rest runs as usual.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    started = await startService({ scheduling: { leaseMs: 30_000 } });
    const { service, host, logs } = started;
    // Two turns after the proof starts, its finish is queued and not yet flushed: the renewal the
    // heartbeat queues then shares its transaction and no longer finds the task held.
    host.onProve = () => setImmediate(() => setImmediate(() => vi.advanceTimersByTime(10_000)));
    const { task } = await service.submit(leaf(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({ status: "completed" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.filter((l) => /lease lost/.test(l.message))).toEqual([]);
  });
});
