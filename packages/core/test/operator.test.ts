import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  ManualClock,
  type ProgramDescriptor,
  type ProofReceipt,
  type ProveOptions,
  taskKey,
} from "../src/index.js";
import { OperatorStore } from "../src/store/operator-store.js";
import { ReceiptExport } from "../src/store/receipt-export.js";
import { leaf, node, published, type StartedService, startService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { DIALECTS, databaseFor, lockedRow, otherSession, postgres } from "./support/dialects.js";

let started: StartedService | undefined;
/** A directory of the test's own for an export, removed when the test ends. */
function pruneDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-prune-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

/** Whether this machine can make a file append-only (`chattr +a`: root, and a file system that has the attribute). */
function appendOnlyFiles(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-chattr-"));
  try {
    const file = path.join(dir, "probe");
    writeFileSync(file, "");
    const made = spawnSync("chattr", ["+a", file]).status === 0;
    spawnSync("chattr", ["-a", file]);
    return made;
  } finally {
    rmSync(dir, { recursive: true });
  }
}

describe.each(DIALECTS)("operator actions (%s)", (dialect) => {
  /** A service whose one completed task was last changed two days ago: old enough to prune. */
  async function oneTaskTwoDaysOld() {
    const clock = new ManualClock();
    started = await startService({ database: await databaseFor(dialect), clock });
    const { service } = started;
    const { task } = await service.submit(published(1), "native");
    await service.wait(task.id, { timeoutMs: 10_000 });
    clock.advance(2 * 86_400_000);
    return { service, task };
  }

  /** An export directory whose `receipts.jsonl` is a link to `target` (a device). */
  function exportLinkedTo(target: string): string {
    const dir = pruneDir();
    symlinkSync(target, path.join(dir, "receipts.jsonl"));
    return dir;
  }

  it("keeps each attempt's history: phase, instance, times, outcome, error", async () => {
    started = await startService({ database: await databaseFor(dialect), scheduling: { instanceId: "me" } });
    const { service, script } = started;
    script.fetchFailures.set(1, ["transient"]);
    const { task } = await service.submit(leaf(1), "native");
    await service.wait(task.id, { timeoutMs: 10_000 });
    const history = await service.history(task.id);
    expect(history.map((a) => [a.attempt, a.phase, a.instance, a.outcome])).toEqual([
      [1, "prove", "me", "transient_failure"],
      [2, "prove", "me", "proven"],
    ]);
    expect(history[0]!.error).toBe("leaf 1: node unreachable");
    expect(history.every((a) => a.endedAt >= a.startedAt)).toBe(true);
  });

  it("says when a task of a kind last completed, by whichever instance, and nothing before one has", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    expect(await service.lastCompletedAt("leaf")).toBeUndefined();
    const tasks = [];
    for (let i = 1; i <= 3; i++) tasks.push((await service.submit(leaf(i), "native")).task);
    const done = await Promise.all(tasks.map((t) => service.wait(t.id, { timeoutMs: 10_000 })));
    expect(await service.lastCompletedAt("leaf")).toBe(Math.max(...done.map((t) => t.updatedAt)));
    expect(await service.lastCompletedAt("node")).toBeUndefined();
  });

  it("retries and cancels in bulk by filter: kind, status, backend and age", async () => {
    const clock = new ManualClock();
    started = await startService({ database: await databaseFor(dialect), clock, retry: { maxRetries: 0 } });
    const { service, script, host } = started;
    for (const i of [1, 2, 3]) script.fetchFailures.set(i, ["permanent"]);
    await service.submitMany([leaf(1), leaf(2), leaf(3)], "native");
    for (const i of [1, 2, 3])
      await expect
        .poll(async () => (await service.status({ context: leaf(i), backend: "native" })).status)
        .toBe("permanent_failure");
    clock.advance(60_000);
    script.fetchFailures.set(4, ["permanent"]);
    await service.submit(leaf(4), "native");
    await expect
      .poll(async () => (await service.status({ context: leaf(4), backend: "native" })).status)
      .toBe("permanent_failure");

    // Only failures at least a minute old: leaf 4 failed just now.
    expect(
      await service.retryMany({ kind: "leaf", status: "permanent_failure", olderThanMs: 60_000 }),
    ).toEqual({ matched: 3, changed: 3 });
    for (const i of [1, 2, 3])
      expect(
        (await service.wait({ context: leaf(i), backend: "native" }, { timeoutMs: 10_000 })).status,
      ).toBe("completed");
    expect((await service.status({ context: leaf(4), backend: "native" })).status).toBe("permanent_failure");
    expect(await service.retryMany({ kind: "node" })).toEqual({ matched: 0, changed: 0 });
    // A status no task in it can be retried or cancelled in is a mistake to name, not a filter that takes none.
    await expect(service.retryMany({ kind: "leaf", status: "queued" })).rejects.toThrow(
      "no queued task can be retried: only permanent_failure and cancelled ones can",
    );
    await expect(service.cancelMany({ kind: "leaf", status: "completed" })).rejects.toThrow(
      "no completed task can be cancelled: only unfinished ones can",
    );

    const release = host.hold();
    await service.submitMany([leaf(10), leaf(11), node(12)], "native");
    const cancelled = await service.cancelMany({ kind: "leaf" });
    expect(cancelled.matched).toBe(2);
    expect(cancelled.changed).toBe(2);
    release();
    for (const i of [10, 11])
      expect((await service.status({ context: leaf(i), backend: "native" })).status).toBe("cancelled");
    expect((await service.wait({ context: node(12), backend: "native" }, { timeoutMs: 10_000 })).status).toBe(
      "completed",
    );
  });

  it("lets the event loop turn while a bulk cancel runs", async () => {
    // On SQLite every statement runs on this thread: a cancel of a whole page at once held every
    // RPC answer until the page was done. An immediate queued at the first cancellation must run
    // before the last one.
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host } = started;
    const release = host.hold();
    await service.submitMany(
      Array.from({ length: 300 }, (_, i) => leaf(100 + i)),
      "native",
    );
    const order: string[] = [];
    const stop = service.onTransition((t) => {
      if (t.to !== "cancelled" || order.length > 0) return;
      order.push("first cancelled");
      setImmediate(() => order.push("event loop turned"));
    });
    const cancelled = await service.cancelMany({ kind: "leaf" });
    order.push("bulk cancel done");
    stop();
    release();
    expect(cancelled).toEqual({ matched: 300, changed: 300 });
    expect(order).toEqual(["first cancelled", "event loop turned", "bulk cancel done"]);
  });

  it("stops a bulk cancel at the end of a slice when the service closes, saying how many it cancelled", async () => {
    // Closed under it, the action ran on into a closed database: on PostgreSQL its queries queued
    // for a pooled connection never settled, nor did the action; on SQLite it was an internal error.
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database });
    const { service, host } = started;
    const release = host.hold();
    await service.submitMany(
      Array.from({ length: 300 }, (_, i) => leaf(100 + i)),
      "native",
    );
    let closing: Promise<void> | undefined;
    const stop = service.onTransition((t) => {
      if (t.to === "cancelled") closing ??= service.close();
    });
    const error = await service.cancelMany({ kind: "leaf" }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    stop();
    release();
    await closing;
    expect(error).toMatchObject({
      code: "SERVICE_CLOSED",
      message: expect.stringMatching(
        /^cancelled \d+ tasks, then stopped: the prover service is closed; run the same command again for the tasks left$/,
      ),
    });
    const cancelled = Number(/^cancelled (\d+)/.exec((error as Error).message)![1]);
    const held = new TestHost();
    const releaseAgain = held.hold();
    started = await startService({ database, host: held });
    const { byStatus } = await started.service.summary();
    expect(byStatus.cancelled).toBe(cancelled);
    // A proof the host had started before the close may finish once released (on a loaded machine
    // one did): such a task is completed, no longer cancellable. Every other task is left to cancel.
    const left = 300 - cancelled - byStatus.completed;
    expect(await started.service.cancelMany({ kind: "leaf" })).toEqual({ matched: left, changed: left });
    releaseAgain();
  });

  it("has a close wait for a bulk retry still checking its filter's kinds, which then stops before any task", {
    timeout: 30_000,
  }, async () => {
    // The close began while the retry asked which kinds its filter takes: it did not wait for the
    // retry, which then read its pages from a database closed under it.
    started = await startService({ database: await databaseFor(dialect, { file: true }) });
    const { service, host } = started;
    // Held, no leaf completes before the cancel (a fresh CI run saw all three proven first, and the
    // retry then matched nothing and never met the close).
    const release = host.hold();
    await service.submitMany(
      Array.from({ length: 3 }, (_, i) => leaf(100 + i)),
      "native",
    );
    expect((await service.cancelMany({ kind: "leaf" })).changed).toBe(3);
    let closing: Promise<void> | undefined;
    const kindOutside = OperatorStore.prototype.kindOutside;
    const spy = vi.spyOn(OperatorStore.prototype, "kindOutside").mockImplementation(async function (
      this: OperatorStore,
      ...args
    ) {
      // A close that comes while the check's query is under way (a stop signal).
      closing ??= new Promise((resolve) => setImmediate(resolve)).then(() => service.close());
      const foreign = await kindOutside.apply(this, args);
      // A slow answer (a large table): the close, not waiting for the retry, ends meanwhile. One
      // that waits for it goes on after this pause.
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      return foreign;
    });
    try {
      await expect(service.retryMany({ kind: "leaf" })).rejects.toMatchObject({
        code: "SERVICE_CLOSED",
        message:
          "retried 0 tasks, then stopped: the prover service is closed; run the same command again for the tasks left",
      });
      await closing;
    } finally {
      spy.mockRestore();
      release();
    }
  });

  it("stops a prune at the end of a page when the service closes: each receipt exported once", {
    timeout: 60_000,
  }, async () => {
    const clock = new ManualClock();
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database, clock });
    const { service } = started;
    const contexts = Array.from({ length: 1_200 }, (_, i) => published(i));
    await service.submitMany(contexts, "native");
    for (const c of contexts) await service.wait({ context: c, backend: "native" }, { timeoutMs: 60_000 });
    clock.advance(2 * 86_400_000);
    let closing: Promise<void> | undefined;
    const append = ReceiptExport.prototype.append;
    const spy = vi.spyOn(ReceiptExport.prototype, "append").mockImplementation(function (
      this: ReceiptExport,
      receipts,
    ) {
      closing ??= service.close();
      return append.call(this, receipts);
    });
    const dir = pruneDir();
    try {
      await expect(service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).rejects.toMatchObject({
        code: "SERVICE_CLOSED",
        message:
          "pruned 500 tasks (500 receipts exported), then stopped: the prover service is closed; prune again for the rest",
      });
      await closing;
      spy.mockRestore();
      started = await startService({ database, clock });
      expect(await started.service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
        tasks: 700,
        receiptsExported: 700,
      });
      const lines = readFileSync(path.join(dir, "receipts.jsonl"), "utf8").trim().split("\n");
      expect(new Set(lines.map((line) => JSON.parse(line).task)).size).toBe(1_200);
      expect(lines).toHaveLength(1_200);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true });
    }
  });

  it("draws a task's dependency graph with each node's status", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [leaf(10), node(2)]);
    script.graph.set(2, [leaf(10), leaf(11)]);
    const { task } = await service.submit(node(1), "native");
    await service.wait(task.id, { timeoutMs: 10_000 });
    const graph = await service.graph(task.id);
    const name = (id: string) => {
      const n = graph.nodes.find((x) => x.id === id)!;
      return `${n.kind}${n.context.index}`;
    };
    expect(graph.root).toBe(task.id);
    expect(graph.nodes.map((n) => `${n.kind}${n.context.index}:${n.status}`).sort()).toEqual([
      "leaf10:completed",
      "leaf11:completed",
      "node1:completed",
      "node2:completed",
    ]);
    expect(graph.edges.map((e) => `${name(e.from)}->${name(e.to)}`).sort()).toEqual([
      "node1->leaf10",
      "node1->node2",
      "node2->leaf10",
      "node2->leaf11",
    ]);
    await expect(service.graph("0".repeat(32))).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
  });

  it("keeps the space of pruned tasks for reuse, unless asked to compact (SQLite's VACUUM holds the process)", async () => {
    const clock = new ManualClock();
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database, clock });
    const { service } = started;
    const old = Array.from({ length: 300 }, (_, i) => published(i));
    await service.submitMany(old, "native");
    for (const c of old) await service.wait({ context: c, backend: "native" }, { timeoutMs: 30_000 });
    clock.advance(7 * 86_400_000);
    const result = await service.prune({ olderThanMs: 86_400_000, deleteReceipts: true });
    expect(result.tasks).toBe(300);
    if ("path" in database) {
      // Freed pages, not a rebuilt file: a VACUUM would have left none.
      const sqlite = new Database(database.path, { readonly: true });
      try {
        expect(sqlite.pragma("freelist_count", { simple: true })).toBeGreaterThan(0);
      } finally {
        sqlite.close();
      }
    }
  });

  it("prunes old finished tasks nothing depends on, exporting their receipts, and the database shrinks", async () => {
    const clock = new ManualClock();
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database, clock });
    const { service, script } = started;
    const old = Array.from({ length: 400 }, (_, i) => published(i));
    await service.submitMany(old, "native");
    for (const c of old) await service.wait({ context: c, backend: "native" }, { timeoutMs: 30_000 });
    // A recent task depending on an old one keeps that one.
    clock.advance(7 * 86_400_000);
    script.graph.set(1, [published(0)]);
    const { task: recent } = await service.submit(node(1), "native");
    await service.wait(recent.id, { timeoutMs: 10_000 });

    const dir = path.join(pruneDir(), "exported");
    const result = await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir, compact: true });
    expect(result.tasks).toBe(399);
    expect(result.receiptsExported).toBe(399);
    expect(result.receiptsDeleted).toBe(399);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    const lines = readFileSync(path.join(dir, "receipts.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(399);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      context: { kind: "published" },
      receipt: { metadata: { zkvm: "native" } },
    });
    expect((await service.summary()).total).toBe(2);
    expect((await service.status({ context: published(0), backend: "native" })).status).toBe("completed");
    await expect(service.status({ context: published(1), backend: "native" })).rejects.toMatchObject({
      code: "TASK_NOT_FOUND",
    });
    if ("path" in database)
      expect(existsSync(database.path) && statSync(database.path).size).toBeLessThanOrEqual(
        result.bytesAfter,
      );
  });

  it("exports and deletes large receipts a few megabytes per transaction, not 500 receipts at once", {
    timeout: 120_000,
  }, async () => {
    // A page of 500 receipts of 0.5 MiB (256 MiB) was read, turned to hex, written and flushed in
    // one go: 8.8 s (SQLite) and 3.8 s (PostgreSQL) without a turn of the event loop, so no lease
    // was renewed, no claim made and no RPC answered meanwhile.
    const clock = new ManualClock();
    started = await startService({
      database: await databaseFor(dialect, { file: true }),
      clock,
      host: new LargeReceiptHost(),
    });
    const { service } = started;
    const contexts = Array.from({ length: 40 }, (_, i) => published(i));
    await service.submitMany(contexts, "native");
    for (const c of contexts) await service.wait({ context: c, backend: "native" }, { timeoutMs: 60_000 });
    clock.advance(2 * 86_400_000);
    const pages: number[] = [];
    const append = ReceiptExport.prototype.append;
    const spy = vi.spyOn(ReceiptExport.prototype, "append").mockImplementation(function (
      this: ReceiptExport,
      receipts,
    ) {
      pages.push(receipts.reduce((sum, r) => sum + r.proof.length + r.public_values.length, 0));
      return append.call(this, receipts);
    });
    const dir = pruneDir();
    try {
      expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
        tasks: 40,
        receiptsExported: 40,
      });
      expect(Math.max(...pages)).toBeLessThanOrEqual(8 * 1024 * 1024);
      expect(readFileSync(path.join(dir, "receipts.jsonl"), "utf8").trim().split("\n")).toHaveLength(40);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true });
    }
  });

  it("keeps, however deep, what an unfinished task needs when the chain spans the prune's pages", async () => {
    const clock = new ManualClock();
    started = await startService({ database: await databaseFor(dialect), clock });
    const { service, script, host } = started;
    // Page 1 (500 candidates): A, then 499 fillers. Page 2: B, which needs A.
    await service.submit(leaf(1), "native");
    await service.submitMany(
      Array.from({ length: 499 }, (_, i) => leaf(1_001 + i)),
      "native",
    );
    script.graph.set(1, [leaf(1)]);
    const { task: b } = await service.submit(node(1), "native");
    await service.wait(b.id, { timeoutMs: 30_000 });
    expect((await service.summary()).byStatus.completed).toBe(501);
    clock.advance(2 * 86_400_000);
    // C needs B and is still proving: B stays, and so does A, which B needs.
    const release = host.hold();
    script.graph.set(2, [node(1)]);
    const { task: c } = await service.submit(node(2), "native");
    await expect.poll(async () => (await service.status(c.id)).status).toBe("proving");

    expect((await service.prune({ olderThanMs: 86_400_000, deleteReceipts: true })).tasks).toBe(499);
    expect((await service.status(b.id)).status).toBe("completed");
    expect((await service.status({ context: leaf(1), backend: "native" })).status).toBe("completed");
    release();
    expect((await service.wait(c.id, { timeoutMs: 10_000 })).status).toBe("completed");
  });

  it("keeps what an unfinished task needs through tasks read before it, a thousand tasks earlier", async () => {
    const clock = new ManualClock();
    started = await startService({ database: await databaseFor(dialect), clock });
    const { service, script, host } = started;
    // The candidates are read 1,000 tasks at a time. A and B, which needs A, are in the first read
    // and in different pages; C, which needs B, is in the second with D, unfinished, which needs C.
    // A is found needed only after it was read; its page alone sees B as a candidate going too.
    await service.submit(leaf(1), "native");
    await service.submitMany(
      Array.from({ length: 499 }, (_, i) => leaf(1_001 + i)),
      "native",
    );
    script.graph.set(1, [leaf(1)]);
    const { task: b } = await service.submit(node(1), "native");
    await service.wait(b.id, { timeoutMs: 30_000 });
    await service.submitMany(
      Array.from({ length: 1_000 }, (_, i) => leaf(2_001 + i)),
      "native",
    );
    script.graph.set(2, [node(1)]);
    const { task: c } = await service.submit(node(2), "native");
    await service.wait(c.id, { timeoutMs: 30_000 });
    expect((await service.summary()).byStatus.completed).toBe(1_502);
    clock.advance(2 * 86_400_000);
    const release = host.hold();
    script.graph.set(3, [node(2)]);
    const { task: d } = await service.submit(node(3), "native");
    await expect.poll(async () => (await service.status(d.id)).status).toBe("proving");

    expect((await service.prune({ olderThanMs: 86_400_000, deleteReceipts: true })).tasks).toBe(1_499);
    for (const task of [c.id, b.id]) expect((await service.status(task)).status).toBe("completed");
    expect((await service.status({ context: leaf(1), backend: "native" })).status).toBe("completed");
    release();
    expect((await service.wait(d.id, { timeoutMs: 10_000 })).status).toBe("completed");
  });

  it("refuses an export directory that cannot take the receipts, before deleting anything", async () => {
    const { service, task } = await oneTaskTwoDaysOld();
    const base = pruneDir();
    writeFileSync(path.join(base, "a-file"), "");
    const refusals: [string, RegExp][] = [
      [path.join(base, "missing", "deeper"), /cannot be created \(ENOENT\); its parent directory must exist/],
      [path.join(base, "a-file"), /it is not a directory/],
      // A recursive mkdir of this path never returns on Node 20: the prune must not try one.
      ["/proc/self/receipts", /^cannot export receipts to \/proc\/self\/receipts: it cannot be created/],
    ];
    for (const [dir, why] of refusals) {
      await expect(service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).rejects.toMatchObject({
        code: "INVALID_PARAMS",
        message: expect.stringMatching(why),
      });
    }
    // Saying nothing of the receipts is refused too: they would go without a word.
    await expect(service.prune({ olderThanMs: 86_400_000 })).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      message: expect.stringMatching(/^a prune deletes the receipts of the tasks it deletes/),
    });
    expect((await service.status(task.id)).status).toBe("completed");
    // A directory that does not exist yet, in one that does, is made.
    const made = path.join(base, "exported");
    expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: made })).toMatchObject({
      tasks: 1,
      receiptsExported: 1,
    });
    expect(readFileSync(path.join(made, "receipts.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("cuts the line a prune killed while exporting left unfinished, and keeps the whole ones", async () => {
    const { service, task } = await oneTaskTwoDaysOld();
    // As a prune killed in the middle of a page (SIGKILL, the OOM killer, a power cut) leaves the
    // file: its tasks were kept, since their deletion commits after the export, and the page is
    // exported again by the next prune. Appended to, the cut line ran into that prune's first line.
    const dir = pruneDir();
    const whole = `${JSON.stringify({ task: "0".repeat(32), context: { kind: "published", index: 0 } })}\n`;
    // Cut in a proof longer than the blocks the file is read back in.
    const cut = `{"task":"${"1".repeat(32)}","context":{},"receipt":{"proof":"0x${"ab".repeat(100_000)}`;
    writeFileSync(path.join(dir, "receipts.jsonl"), whole + cut);
    expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
      tasks: 1,
      receiptsExported: 1,
    });
    const text = readFileSync(path.join(dir, "receipts.jsonl"), "utf8");
    expect(text.startsWith(whole)).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines.map((line) => (JSON.parse(line) as { task: string }).task)).toEqual([
      "0".repeat(32),
      task.id,
    ]);
  });

  it.runIf(appendOnlyFiles())(
    "appends to an export file the prover may only append to, which it cannot cut",
    async () => {
      const { service, task } = await oneTaskTwoDaysOld();
      const dir = mkdtempSync(path.join(tmpdir(), "paas-prune-"));
      const file = path.join(dir, "receipts.jsonl");
      const earlier = `${JSON.stringify({ task: "0".repeat(32) })}\n`;
      writeFileSync(file, earlier);
      expect(spawnSync("chattr", ["+a", file]).status).toBe(0);
      try {
        expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
          tasks: 1,
        });
        const [first, second] = readFileSync(file, "utf8").slice(0, -1).split("\n");
        expect(`${first}\n`).toBe(earlier);
        expect(JSON.parse(second!)).toMatchObject({ task: task.id });
      } finally {
        spawnSync("chattr", ["-a", file]);
        rmSync(dir, { recursive: true });
      }
    },
  );

  it.runIf(existsSync("/dev/full"))(
    "says that the export could not be written, and deletes nothing whose receipt it could not export",
    async () => {
      const { service, task } = await oneTaskTwoDaysOld();
      // A disk that is full: every write is refused with ENOSPC.
      const dir = exportLinkedTo("/dev/full");
      await expect(service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).rejects.toMatchObject({
        code: "TRANSIENT_FAILURE",
        message: `cannot export receipts to ${dir}: receipts.jsonl cannot be written (ENOSPC); the tasks whose receipts were not exported are kept`,
      });
      expect((await service.status(task.id)).status).toBe("completed");
    },
  );

  it.runIf(existsSync("/dev/null"))(
    "exports to a device the operator points receipts.jsonl at, which cannot be flushed",
    async () => {
      const { service, task } = await oneTaskTwoDaysOld();
      // fsync of a character device (or a pipe) is refused with EINVAL: the lines went through.
      const dir = exportLinkedTo("/dev/null");
      expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
        tasks: 1,
        receiptsExported: 1,
      });
      await expect(service.status(task.id)).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    },
  );

  it("serves the work under an older task before unrelated work submitted later", async () => {
    const clock = new ManualClock();
    // Without prefetch: a task claimed to fetch ahead is committed to, so a prefetch depth of d lets
    // up to d tasks claimed before the older task's dependencies arrive go first.
    started = await startService({
      database: await databaseFor(dialect),
      clock,
      concurrency: 1,
      scheduling: { prefetch: { depth: 0 } },
    });
    const { service, script, host } = started;
    const release = host.hold();
    // Unrelated work piles up first; then an older task's dependencies arrive.
    await service.submit(leaf(100), "native");
    await expect.poll(() => host.active).toBe(1);
    script.graph.set(1, [leaf(1), leaf(2)]);
    const { task: older } = await service.submit(node(1), "native");
    clock.advance(1_000);
    await service.submitMany([leaf(200), leaf(201), leaf(202)], "native");
    await expect.poll(async () => (await service.status(older.id)).status).toBe("blocked");
    release();
    await service.wait(older.id, { timeoutMs: 10_000 });
    const order = host.proveCalls.map((c) => (c.input as { index: number }).index);
    expect(order.slice(0, 4)).toEqual([100, 1, 2, 1]);
  });
});

it("leaves whole lines in receipts.jsonl when the disk fills up in the middle of a prune", async () => {
  // A child whose files may not grow past 300–600 KiB (`ulimit -f` counts 512 or 1024 bytes):
  // between one and three pages of 500 receipts (about 220 KiB each) fit.
  const dir = path.join(pruneDir(), "exported");
  const child = spawnSync(
    "sh",
    [
      "-c",
      'ulimit -f 600 && exec "$0" --import tsx "$@"',
      process.execPath,
      path.join(import.meta.dirname, "fixtures/prune-child.ts"),
      dir,
      "1500",
    ],
    // tsx's cache is a file it writes too.
    { encoding: "utf8", env: { ...process.env, TSX_DISABLE_CACHE: "1" }, timeout: 60_000 },
  );
  expect(child.stderr).toBe("");
  const ended = JSON.parse(child.stdout) as { error?: { code: string; message: string }; remaining: number };
  // The pages before it are gone, and the error says so.
  const pruned = 1500 - ended.remaining;
  expect(ended.error).toEqual({
    code: "TRANSIENT_FAILURE",
    message:
      `pruned ${pruned} tasks (${pruned} receipts exported), then stopped: cannot export receipts to ${dir}: ` +
      "receipts.jsonl cannot be written (EFBIG); the tasks whose receipts were not exported are kept; prune again for the rest",
  });
  // Whole pages went, each exported; the page that did not fit stayed, and left nothing behind:
  // a line cut short would run into the first line of the next prune.
  expect(ended.remaining % 500).toBe(0);
  expect(ended.remaining).toBeGreaterThan(0);
  const text = readFileSync(path.join(dir, "receipts.jsonl"), "utf8");
  expect(text.endsWith("\n")).toBe(true);
  const lines = text.slice(0, -1).split("\n");
  expect(lines).toHaveLength(1500 - ended.remaining);
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ context: { kind: "published" } });
});

/** Receipts of a little over 1 MiB, as some zkVMs' compressed proofs are. */
class LargeReceiptHost extends TestHost {
  override async prove(
    program: ProgramDescriptor,
    input: unknown,
    options: ProveOptions,
  ): Promise<ProofReceipt> {
    const receipt = await super.prove(program, input, options);
    const publicValues = new Uint8Array(1024 * 1024 + 1);
    publicValues.set(receipt.publicValues);
    return { ...receipt, publicValues };
  }
}

it("exports a page of large receipts", { timeout: 120_000 }, async () => {
  const clock = new ManualClock();
  started = await startService({ clock, host: new LargeReceiptHost() });
  const { service } = started;
  // One page whose receipts, as hex, pass V8's longest string (2^29 - 24 characters).
  const contexts = Array.from({ length: 260 }, (_, i) => published(i));
  await service.submitMany(contexts, "native");
  for (const c of contexts) await service.wait({ context: c, backend: "native" }, { timeoutMs: 60_000 });
  clock.advance(2 * 86_400_000);
  const base = pruneDir();
  try {
    expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: base })).toMatchObject({
      tasks: 260,
      receiptsExported: 260,
    });
    expect(statSync(path.join(base, "receipts.jsonl")).size).toBeGreaterThan(2 ** 29);
  } finally {
    rmSync(base, { recursive: true });
  }
});

it("says that a prune stopped, and why, when another process holds the SQLite file's write lock", {
  timeout: 30_000,
}, async () => {
  const database = (await databaseFor("sqlite", { file: true })) as { path: string };
  const clock = new ManualClock();
  started = await startService({ database, clock });
  const { service } = started;
  const { task } = await service.submit(published(1), "native");
  await service.wait(task.id, { timeoutMs: 10_000 });
  clock.advance(2 * 86_400_000);
  // An operator's sqlite3 shell in a write transaction: a write waits 5 s for it, then is refused.
  const shell = new Database(database.path);
  shell.exec("begin immediate");
  try {
    await expect(service.prune({ olderThanMs: 86_400_000, deleteReceipts: true })).rejects.toMatchObject({
      code: "TRANSIENT_FAILURE",
      message:
        "pruned 0 tasks, then stopped: another process holds the SQLite file's write lock (a sqlite3 shell's transaction, a backup); prune again for the rest",
    });
  } finally {
    shell.exec("rollback");
    shell.close();
  }
  expect(await service.prune({ olderThanMs: 86_400_000, deleteReceipts: true })).toMatchObject({ tasks: 1 });
});

it("says that a bulk cancel stopped when another process holds the SQLite file's write lock, waiting for it once", {
  timeout: 60_000,
}, async () => {
  // Each cancel of the failed group commit was tried alone, each waiting out the busy timeout on
  // this thread: 51 × 5 s in which the prover answered nothing and renewed no lease.
  const database = (await databaseFor("sqlite", { file: true })) as { path: string };
  started = await startService({ database });
  const { service, host } = started;
  const release = host.hold();
  await service.submitMany(
    Array.from({ length: 100 }, (_, i) => leaf(100 + i)),
    "native",
  );
  const shell = new Database(database.path);
  shell.exec("begin immediate");
  const began = performance.now();
  try {
    await expect(service.cancelMany({ kind: "leaf" })).rejects.toMatchObject({
      code: "TRANSIENT_FAILURE",
      message: expect.stringMatching(
        /^cancelled 0 tasks, then stopped at task [0-9a-f]{32}: another process holds the SQLite file's write lock \(a sqlite3 shell's transaction, a backup\); run the same command again for the tasks left$/,
      ),
    });
    expect(performance.now() - began).toBeLessThan(20_000);
  } finally {
    shell.exec("rollback");
    shell.close();
  }
  expect(await service.cancelMany({ kind: "leaf" })).toEqual({ matched: 100, changed: 100 });
  release();
});

describe.runIf(postgres.url !== undefined)("prune and bulk actions beside other sessions (postgres)", () => {
  it("leaves a task that another instance resubmits while the prune runs", async () => {
    const clock = new ManualClock();
    const database = await databaseFor("postgres");
    started = await startService({ database, clock });
    const { service } = started;
    const { task } = await service.submit(published(1), "native");
    await service.wait(task.id, { timeoutMs: 10_000 });
    clock.advance(2 * 86_400_000);
    // Another session holds the task's row, about to resubmit it, while the prune starts.
    const other = await lockedRow(database, task.id);
    try {
      const pruning = service.prune({ olderThanMs: 86_400_000, deleteReceipts: true });
      await other.untilSomeoneWaits();
      await other.session.query("update tasks set status = 'queued', phase = 'prove' where id = $1", [
        task.id,
      ]);
      await other.commit();
      expect((await pruning).tasks).toBe(0);
    } finally {
      await other.end();
    }
    // Still there (it is proven again in its own time).
    expect((await service.status(task.id)).id).toBe(task.id);
  });
  it("says how many tasks a bulk cancel changed when a row held past lock_timeout stops it, and changes none after", async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const timed = new URL(url);
    timed.searchParams.set("options", "-c lock_timeout=200");
    started = await startService({ database: { url: timed.href, schema } });
    const { service, host } = started;
    const release = host.hold();
    await service.submitMany(
      Array.from({ length: 300 }, (_, i) => leaf(100 + i)),
      "native",
    );
    // An operator's psql holds the 151st task's row: the first of the fourth slice of 50.
    const held = taskKey({ context: leaf(250), backend: "native" });
    const other = await lockedRow({ url, schema }, held);
    const cancelledNow = async () =>
      (await service.summary()).rows.find((r) => r.status === "cancelled")?.count ?? 0;
    try {
      await expect(service.cancelMany({ kind: "leaf" })).rejects.toMatchObject({
        code: "TRANSIENT_FAILURE",
        message:
          `cancelled 199 tasks, then stopped at task ${held}: another session holds this task's row ` +
          "longer than the role's lock_timeout; run the same command again for the tasks left",
      });
      // What the error says is what was done, and stays so: nothing goes on changing after it.
      expect(await cancelledNow()).toBe(199);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await cancelledNow()).toBe(199);
    } finally {
      await other.end();
    }
    expect(await service.cancelMany({ kind: "leaf" })).toEqual({ matched: 101, changed: 101 });
    release();
  });

  it("says how many tasks a prune deleted and exported when a row held past lock_timeout stops it", {
    timeout: 60_000,
  }, async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const timed = new URL(url);
    timed.searchParams.set("options", "-c lock_timeout=200");
    const clock = new ManualClock();
    started = await startService({ database: { url: timed.href, schema }, clock });
    const { service } = started;
    const contexts = Array.from({ length: 600 }, (_, i) => published(i));
    await service.submitMany(contexts, "native");
    for (const c of contexts) await service.wait({ context: c, backend: "native" }, { timeoutMs: 30_000 });
    clock.advance(2 * 86_400_000);
    // An operator's psql holds a row of the second page of 500.
    const other = await lockedRow({ url, schema }, taskKey({ context: published(550), backend: "native" }));
    const dir = pruneDir();
    try {
      await expect(service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).rejects.toMatchObject({
        code: "TRANSIENT_FAILURE",
        message:
          "pruned 500 tasks (500 receipts exported), then stopped: another session holds this task's row " +
          "longer than the role's lock_timeout; prune again for the rest",
      });
    } finally {
      await other.end();
    }
    expect((await service.summary()).total).toBe(100);
    expect(readFileSync(path.join(dir, "receipts.jsonl"), "utf8").trim().split("\n")).toHaveLength(500);
    expect(await service.prune({ olderThanMs: 86_400_000, exportReceiptsTo: dir })).toMatchObject({
      tasks: 100,
      receiptsExported: 100,
    });
    rmSync(dir, { recursive: true });
  });

  it("draws a kept task's graph without an edge to a dependency pruned under it", async () => {
    // A prune deletes a page at a time: a task linked anew by another instance while it runs is
    // kept, though a dependency of it in an earlier page may be gone already.
    const database = await databaseFor("postgres");
    started = await startService({ database });
    const { service, script } = started;
    script.graph.set(1, [leaf(10), leaf(11)]);
    const { task } = await service.submit(node(1), "native");
    await service.wait(task.id, { timeoutMs: 10_000 });
    const other = await otherSession(database);
    try {
      // As a prune deletes it.
      const id = taskKey({ context: leaf(10), backend: "native" });
      const seq = "(select seq from tasks where id = $1)";
      await other.query(`delete from receipts where task_seq = ${seq}`, [id]);
      await other.query(`delete from task_attempts where task_seq = ${seq}`, [id]);
      await other.query("delete from tasks where id = $1", [id]);
    } finally {
      await other.end();
    }
    const graph = await service.graph(task.id);
    expect(graph.nodes.map((n) => `${n.kind}${n.context.index}`).sort()).toEqual(["leaf11", "node1"]);
    expect(graph.edges).toEqual([{ from: task.id, to: taskKey({ context: leaf(11), backend: "native" }) }]);
  });
});
