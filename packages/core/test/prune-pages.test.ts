/**
 * A prune deletes its candidates a page (500) per transaction. A candidate of a later page that
 * was restarted meanwhile (resubmitted, resolved again) is no candidate any more: what it needs
 * must stay, though its own page has not been read again yet.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock, taskKey } from "../src/index.js";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { databaseFor, lockedRow, postgres } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

describe.runIf(postgres.url !== undefined)("a paged prune beside a resubmission (postgres)", () => {
  it("keeps a dependency of a task of a later page that was resubmitted and resolved while the prune ran", async () => {
    const clock = new ManualClock();
    const database = await databaseFor("postgres");
    started = await startService({ database, clock, retry: { maxRetries: 0 } });
    const { service, script, host } = started;
    const ref = (context: ReturnType<typeof leaf>) => ({ context, backend: "native" });
    // Page 1: a first task, the dependency B, then fillers up to 500 candidates. Page 2: C.
    await service.submit(leaf(1_000), "native");
    await service.submit(leaf(1), "native");
    await service.submitMany(
      Array.from({ length: 498 }, (_, i) => leaf(1_001 + i)),
      "native",
    );
    await expect
      .poll(async () => (await service.summary()).byStatus.completed, { timeout: 30_000 })
      .toBe(500);
    // C depends on B; cancelled while it proved (a cancelled task is finished, and restartable).
    script.graph.set(1, [leaf(1)]);
    let release = host.hold();
    const { task: c } = await service.submit(node(1), "native");
    await expect.poll(async () => (await service.status(c.id)).status).toBe("proving");
    await service.cancel(c.id);
    release();
    clock.advance(2 * 86_400_000);

    // Another session holds page 1's first row: the prune has read its candidates and waits there.
    const other = await lockedRow(database, taskKey(ref(leaf(1_000))));
    try {
      const pruning = service.prune({ olderThanMs: 86_400_000, deleteReceipts: true });
      await other.untilSomeoneWaits();
      // Meanwhile an operator resubmits C, which now also needs D: resolved, it waits for D.
      script.graph.set(1, [leaf(1), leaf(5_000)]);
      release = host.hold();
      await service.submit(node(1), "native");
      await expect.poll(async () => (await service.status(c.id)).status).toBe("blocked");
      await other.commit();
      await pruning;
    } finally {
      await other.end();
    }
    // C is live and linked to B: B and its receipt stay.
    expect((await service.status(ref(leaf(1)))).status).toBe("completed");
    release();
    expect((await service.wait(c.id, { timeoutMs: 10_000 })).status).toBe("completed");
  });
  it("keeps, in the same page, what a task kept for a dependent linked meanwhile needs", async () => {
    const clock = new ManualClock();
    const database = await databaseFor("postgres");
    started = await startService({ database, clock });
    const { service, script } = started;
    const ref = (context: ReturnType<typeof leaf>) => ({ context, backend: "native" });
    // One page: a first task, then B (node 1) and its dependency A (leaf 1).
    await service.submit(leaf(1_000), "native");
    script.graph.set(1, [leaf(1)]);
    const { task: b } = await service.submit(node(1), "native");
    await service.wait(b.id, { timeoutMs: 10_000 });
    clock.advance(2 * 86_400_000);
    const other = await lockedRow(database, taskKey(ref(leaf(1_000))));
    try {
      const pruning = service.prune({ olderThanMs: 86_400_000, deleteReceipts: true });
      await other.untilSomeoneWaits();
      // A new task links B meanwhile: B stays, and so does what B needs.
      script.graph.set(2, [node(1)]);
      const { task: n } = await service.submit(node(2), "native");
      await service.wait(n.id, { timeoutMs: 10_000 });
      await other.commit();
      expect((await pruning).tasks).toBe(1);
    } finally {
      await other.end();
    }
    expect((await service.status(b.id)).status).toBe("completed");
    expect((await service.status(ref(leaf(1)))).status).toBe("completed");
  });
});
