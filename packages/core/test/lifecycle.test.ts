import { afterEach, describe, expect, it, vi } from "vitest";
import {
  canTransition,
  DatabaseRefusedError,
  InvalidContextError,
  ProofNotFoundError,
  TaskNotFoundError,
  TRANSITIONS,
  taskKey,
  UnknownBackendError,
  UnknownKindError,
} from "../src/index.js";
import { afterFailure } from "../src/scheduler/lifecycle.js";
import { refusedForNow } from "../src/store/database-errors.js";
import { leaf, node, published, type StartedService, startService } from "./fixtures/start-service.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

const path = (s: StartedService, id: string) => s.transitions.filter((t) => t.id === id).map((t) => t.to);

describe.each(DIALECTS)("task lifecycle (%s)", (dialect) => {
  it("takes a task without dependencies through queued → proving → completed, committing each step", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    const { task, created } = await service.submit(leaf(1), "native");
    expect(created).toBe(true);
    expect(task.status).toBe("queued");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status).toBe("completed");
    expect(path(started, task.id)).toEqual(["queued", "proving", "completed"]);
    const record = await service.statusWithHistory(task.id);
    expect(record).toMatchObject({ id: task.id, status: "completed", attempt: done.attempt });
    expect(record.attempts.map((a) => [a.phase, a.outcome])).toEqual([["prove", "proven"]]);
    expect(record.attempts).toEqual(await service.history(task.id));
    const receipt = await service.proof(task.id);
    expect(JSON.parse(new TextDecoder().decode(receipt.publicValues))).toEqual({
      program: "leaf-program",
      input: { index: 1 },
    });
  });

  it("takes a task with dependencies through pending → blocked → queued → proving → completed", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [leaf(10), leaf(11)]);
    const { task } = await service.submit(node(1), "native");
    expect(task.status).toBe("pending");
    await service.wait(task.id, { timeoutMs: 5_000 });
    expect(path(started, task.id)).toEqual(["pending", "blocked", "queued", "proving", "completed"]);
    // Dependencies arrive in the order the plugin listed them.
    expect(script.dependencyInputs.get(1)).toEqual([10, 11]);
  });

  it("publishes after storing, then completes", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    const { task } = await service.submit(published(1), "native");
    await service.wait(task.id, { timeoutMs: 5_000 });
    expect(path(started, task.id)).toEqual(["queued", "proving", "publishing", "completed"]);
    expect(script.published).toEqual(["published:1:32"]);
  });

  it("allows only the transitions of the lifecycle", () => {
    expect(canTransition("queued", "proving")).toBe(true);
    expect(canTransition("blocked", "proving")).toBe(false);
    expect(canTransition("cancelled", "proving")).toBe(false);
    // A completed task is taken back only to prove it again: under a newer program (upgrade.test.ts),
    // or its proof found outdated (retries.test.ts).
    expect(TRANSITIONS.completed).toEqual(["pending", "queued"]);
    expect(canTransition("completed", "proving")).toBe(false);
  });

  it("answers an unknown task with TaskNotFound and an unproven one with ProofNotFound", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    const unknown = taskKey({ context: leaf(99), backend: "native" });
    await expect(service.status(unknown)).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(service.statusWithHistory(unknown)).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(service.history(unknown)).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(service.proof(unknown)).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(service.cancel(unknown)).rejects.toBeInstanceOf(TaskNotFoundError);
    const release = started.host.hold();
    const { task } = await service.submit(leaf(1), "native");
    await expect(service.proof(task.id)).rejects.toBeInstanceOf(ProofNotFoundError);
    await vi.waitFor(async () => expect((await service.status(task.id)).status).toBe("proving"));
    // The answer says why there is none, so a consumer knows to wait (or not).
    await expect(service.proof(task.id)).rejects.toThrow(
      `task ${task.id} has no proof yet: it is proving, and its proof can be fetched once it is completed`,
    );
    await service.cancel(task.id);
    await expect(service.proof(task.id)).rejects.toThrow(
      `task ${task.id} has no proof: it is cancelled, and will not be proven unless retried or submitted again`,
    );
    release();
  });

  it("is refused by its plugin's admission only with InvalidContextError; anything else admits it", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, logs } = started;
    script.admitFailures.set(5, "refuse");
    script.admitFailures.set(6, "unclassified");
    script.admitFailures.set(7, "transient");
    await expect(service.submit(leaf(5), "native")).rejects.toThrow(
      new InvalidContextError("leaf 5 will never exist"),
    );
    await expect(service.status({ context: leaf(5), backend: "native" })).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    // A plugin's unexpected error, or a node it cannot ask, refuses nothing: the task is stored and proven.
    for (const index of [6, 7]) {
      const { task, created } = await service.submit(leaf(index), "native");
      expect(created).toBe(true);
      expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    }
    expect(
      logs.filter((l) => l.message.startsWith("admission could not decide")).map((l) => l.fields),
    ).toEqual([
      expect.objectContaining({ kind: "leaf", error: "leaf 6: unexpected answer" }),
      expect.objectContaining({ kind: "leaf", error: "leaf 7: node unreachable" }),
    ]);
  });

  it("reads a task named by its context as its plugin reads contexts at submit", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    const { task } = await service.submit(leaf(2), "native");
    // The plugin drops what it does not read: the same task, as submit would have stored it.
    const spelledOtherwise = { context: { ...leaf(2), note: "ignored by the plugin" }, backend: "native" };
    expect((await service.status(spelledOtherwise)).id).toBe(task.id);
    expect((await service.graph(spelledOtherwise)).root).toBe(task.id);
    // A task stored under settings other than today's is still found as given.
    started.script.maxLeafIndex = 1;
    expect((await service.status({ context: leaf(2), backend: "native" })).id).toBe(task.id);
    expect((await service.wait({ context: leaf(2), backend: "native" }, { timeoutMs: 5_000 })).id).toBe(
      task.id,
    );
    await expect(service.status({ context: leaf(3), backend: "native" })).rejects.toThrow(
      new InvalidContextError("leaf: index 3 is above the maximum, 1"),
    );
    started.script.maxLeafIndex = undefined;
    // A context its plugin refuses names no task: it is said to be invalid, not "not found".
    const invalid = { context: { kind: "leaf", index: "two" }, backend: "native" };
    for (const read of [
      () => service.status(invalid),
      () => service.statusWithHistory(invalid),
      () => service.graph(invalid),
      () => service.proof(invalid),
      () => service.cancel(invalid),
    ]) {
      await expect(read()).rejects.toThrow(
        new InvalidContextError("leaf: index must be a non-negative integer"),
      );
    }
  });

  it("refuses an unknown kind, an unconfigured backend and an invalid context before storing anything", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    await expect(service.submit({ kind: "mystery", index: 1 }, "native")).rejects.toBeInstanceOf(
      UnknownKindError,
    );
    await expect(service.submit(leaf(1), "sp1")).rejects.toThrow(UnknownBackendError);
    await expect(service.submit(leaf(1), "sp1")).rejects.toThrow(
      'backend "sp1" is not configured (configured: native)',
    );
    await expect(service.submit({ kind: "leaf", index: -1 }, "native")).rejects.toBeInstanceOf(
      InvalidContextError,
    );
    await expect(service.submit({ kind: "leaf", index: 1.5 }, "native")).rejects.toThrow(/index must be/);
    expect((await service.summary()).total).toBe(0);
  });
});

describe("a step the task database refused", () => {
  const policy = { maxRetries: 3, baseDelayMs: 1_000, multiplier: 2, maxDelayMs: 60_000 };
  const refused = (code: string, message: string) =>
    refusedForNow(Promise.reject(Object.assign(new Error(message), { code }))).catch(
      (error: unknown) => error,
    );

  it("keeps its retries when the server was out of reach, and counts one for a cancelled statement", async () => {
    // A restart ended the step's session: it passes by itself, so no retry is used.
    const ended = await refused("57P01", "terminating connection due to administrator command");
    expect(ended).toBeInstanceOf(DatabaseRefusedError);
    expect(afterFailure(ended, 2, policy, 0, 5_000)).toMatchObject({
      to: "transient_failure",
      retryCount: 2,
    });
    // The role's statement_timeout may cancel the same read every time: counted, it cannot loop.
    const cancelled = await refused("57014", "canceling statement due to statement timeout");
    expect(cancelled).toBeInstanceOf(DatabaseRefusedError);
    expect(afterFailure(cancelled, 2, policy, 0, 5_000)).toMatchObject({
      to: "transient_failure",
      retryCount: 3,
    });
    expect(afterFailure(cancelled, 3, policy, 0, 5_000)).toMatchObject({ to: "permanent_failure" });
  });
});
