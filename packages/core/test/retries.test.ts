import { afterEach, describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  keyOf,
  ManualClock,
  OutdatedProofError,
  type ProgramDescriptor,
  type ProofReceipt,
  type ProveOptions,
  type TaskRecord,
} from "../src/index.js";
import { leaf, node, published, type StartedService, startService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

/** Lets the scheduler's queued work (setImmediate ticks, SQLite calls) run to quiescence. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function waitForStatus(
  s: StartedService,
  id: string,
  status: TaskRecord["status"],
): Promise<TaskRecord> {
  // Bounded by wall time, not by turns of the event loop: on a loaded machine PostgreSQL's round
  // trips take more turns than a quiet one.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const record = await s.service.status(id);
    if (record.status === status) return record;
    await settle();
  }
  throw new Error(`task never reached ${status}: ${JSON.stringify(await s.service.status(id))}`);
}

describe.each(DIALECTS)("backoff (%s)", (dialect) => {
  it("defaults to the Rust original's policy: 15 retries, 5 s base, x1.5, capped at one hour", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 15,
      baseDelayMs: 5_000,
      multiplier: 1.5,
      maxDelayMs: 3_600_000,
    });
    const delays = Array.from({ length: 20 }, (_, i) => backoffDelay(DEFAULT_RETRY_POLICY, i + 1));
    expect(delays.slice(0, 4)).toEqual([5_000, 7_500, 11_250, 16_875]);
    expect(delays[16]).toBe(3_284_204);
    expect(delays[17]).toBe(3_600_000);
    expect(Math.max(...delays)).toBe(3_600_000);
  });

  it("waits the backoff before each retry, counts retries without resetting, then gives up", async () => {
    const clock = new ManualClock();
    started = await startService({
      database: await databaseFor(dialect),
      clock,
      retry: { maxRetries: 3, baseDelayMs: 1_000, multiplier: 2, maxDelayMs: 60_000 },
    });
    const { service, script } = started;
    script.fetchFailures.set(1, ["transient", "transient", "transient", "transient"]);
    const { task } = await service.submit(leaf(1), "native");
    const t0 = clock.now();

    let record = await waitForStatus(started, task.id, "transient_failure");
    expect(record).toMatchObject({
      status: "transient_failure",
      retryCount: 1,
      nextAttemptAt: t0 + 1_000,
      phase: "prove",
    });
    expect(record.status === "transient_failure" && record.error).toBe("leaf 1: node unreachable");

    // The retry timer is armed after the failure commits; wait for it, then let time pass.
    await expect.poll(() => clock.nextTimerAt()).toBe(t0 + 1_000);
    clock.advance(999);
    await settle();
    expect((await service.status(task.id)).status).toBe("transient_failure");
    expect(script.fetched).toHaveLength(1);

    clock.advance(1);
    await expect.poll(async () => (await service.status(task.id)).retryCount).toBe(2);
    expect(script.fetched).toHaveLength(2);
    expect(await service.status(task.id)).toMatchObject({ retryCount: 2, nextAttemptAt: t0 + 1_000 + 2_000 });

    await expect.poll(() => clock.nextTimerAt()).toBe(t0 + 3_000);
    clock.advance(2_000);
    await expect.poll(async () => (await service.status(task.id)).retryCount).toBe(3);
    expect(await service.status(task.id)).toMatchObject({ retryCount: 3, nextAttemptAt: t0 + 3_000 + 4_000 });

    await expect.poll(() => clock.nextTimerAt()).toBe(t0 + 7_000);
    clock.advance(4_000);
    record = await waitForStatus(started, task.id, "permanent_failure");
    expect(record.status === "permanent_failure" && record.error).toBe(
      "gave up after 3 retries: leaf 1: node unreachable",
    );
    expect(script.fetched).toHaveLength(4);
  });

  it("waits for the chain without using up a retry, and says its transition is a wait", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.fetchFailures.set(1, ["not yet", "transient"]);
    const { task } = await service.submit(leaf(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({ status: "completed" });
    // Logs and metrics tell a wait from a failure by `waiting` (the retry count may be above 0 in both).
    const failures = started.transitions.filter((t) => t.id === task.id && t.to === "transient_failure");
    expect(failures.map((t) => [t.retryCount, t.waiting])).toEqual([
      [0, true],
      [1, undefined],
    ]);
    // So does its history, which `paas status` reads: a wait recorded as a failure read as one.
    const { attempts } = await service.statusWithHistory(task.id);
    expect(attempts.filter((a) => a.phase === "prove").map((a) => a.outcome)).toEqual([
      "waiting",
      "transient_failure",
      "proven",
    ]);
  });

  it("says in the task's record, listed too, that it waits for the chain, until a step fails", async () => {
    const clock = new ManualClock();
    started = await startService({
      database: await databaseFor(dialect),
      clock,
      scheduling: { waitForChainMs: 30_000 },
    });
    const { service, script } = started;
    script.fetchFailures.set(1, ["not yet, later", "transient"]);
    script.fetchFailures.set(2, ["transient"]);
    const waits = (await service.submit(leaf(1), "native")).task;
    const fails = (await service.submit(leaf(2), "native")).task;
    await waitForStatus(started, waits.id, "transient_failure");
    await waitForStatus(started, fails.id, "transient_failure");
    // A list reads no history, so the record itself says it: `paas list` showed a wait as a failure.
    const listed = await service.list({ status: "transient_failure" });
    expect(listed.tasks.map((t) => [t.id, t.status === "transient_failure" && t.waiting])).toEqual([
      [waits.id, true],
      [fails.id, undefined],
    ]);
    expect(await service.status(waits.id)).toMatchObject({ waiting: true, retryCount: 0 });
    expect(await service.statusWithHistory(waits.id)).toMatchObject({ waiting: true });

    // Checked again, its step fails: no longer a wait.
    await expect.poll(() => clock.nextTimerAt()).toBeDefined();
    clock.advance(30_000);
    await expect.poll(async () => (await service.status(waits.id)).retryCount).toBe(1);
    const failing = await service.status(waits.id);
    expect(failing.status === "transient_failure" && failing.waiting).toBeUndefined();
  });

  it("counts the tasks waiting for the chain apart, within their status's count, until a step fails", async () => {
    const clock = new ManualClock();
    started = await startService({
      database: await databaseFor(dialect),
      clock,
      scheduling: { waitForChainMs: 30_000 },
    });
    const { service, script } = started;
    script.fetchFailures.set(1, ["not yet, later", "transient"]);
    script.fetchFailures.set(2, ["not yet, later", "not yet, later"]);
    script.fetchFailures.set(3, ["transient"]);
    const [waits, ...others] = await Promise.all(
      [1, 2, 3].map(async (i) => (await service.submit(leaf(i), "native")).task),
    );
    for (const task of [waits!, ...others]) await waitForStatus(started, task.id, "transient_failure");
    // `paas report` and the dashboard read these counts: a checkpoint waiting for its epoch showed
    // as a failure there. The status's count keeps its meaning (what `paas list --status` lists).
    const summary = await service.summary();
    expect(summary.byStatus.transient_failure).toBe(3);
    expect(summary.waiting).toBe(2);
    expect(summary.rows.find((r) => r.status === "transient_failure")).toEqual({
      kind: "leaf",
      backend: "native",
      status: "transient_failure",
      count: 3,
      waiting: 2,
    });

    // Checked again, the first one's step fails: no longer a wait; the second still waits.
    await expect.poll(() => clock.nextTimerAt()).toBeDefined();
    clock.advance(30_000);
    await expect.poll(async () => (await service.status(waits!.id)).retryCount).toBe(1);
    await expect.poll(async () => (await service.summary()).waiting).toBe(1);
  });

  it("fails at once on a permanent error, without retrying", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.fetchFailures.set(1, ["permanent"]);
    const { task } = await service.submit(leaf(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done).toMatchObject({ status: "permanent_failure", error: "leaf 1: bad data", phase: "prove" });
    expect(script.fetched).toHaveLength(1);
  });

  it("treats an unclassified error as transient", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.fetchFailures.set(1, ["unclassified"]);
    const { task } = await service.submit(leaf(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({ status: "completed" });
    expect(started.transitions.filter((t) => t.id === task.id).map((t) => t.to)).toContain(
      "transient_failure",
    );
  });

  it("fails permanently when the host rejects the input, with the host's message", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host } = started;
    const { PermanentError } = await import("../src/index.js");
    host.onProve = () => {
      throw new PermanentError("guest: state root mismatch at block 7");
    };
    const { task } = await service.submit(leaf(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({
      status: "permanent_failure",
      error: "guest: state root mismatch at block 7",
    });
  });
});

describe.each(DIALECTS)("a host's answer (%s)", (dialect) => {
  /** A host whose proofs answer with what `answer` makes of a real receipt. */
  class MisbehavingHost extends TestHost {
    constructor(private readonly answer: (receipt: ProofReceipt) => unknown) {
      super("native", 2);
    }
    override async prove(program: ProgramDescriptor, input: unknown, options: ProveOptions) {
      return this.answer(await super.prove(program, input, options)) as ProofReceipt;
    }
  }

  it.each([
    ["nothing", () => undefined, "expected object, received undefined"],
    ["a proof that is not bytes", (r: ProofReceipt) => ({ ...r, proof: "0xabc" }), "→ at proof"],
    [
      "a receipt of an unknown proving system",
      (r: ProofReceipt) => ({ ...r, metadata: { ...r.metadata, zkvm: "jolt" } }),
      "→ at metadata.zkvm",
    ],
  ])(
    "that is %s fails the task at once, naming what is wrong, and stores no proof",
    async (_, answer, problem) => {
      started = await startService({
        database: await databaseFor(dialect),
        host: new MisbehavingHost(answer),
      });
      const { service } = started;
      const { task } = await service.submit(leaf(1), "native");
      const done = await service.wait(task.id, { timeoutMs: 5_000 });
      expect(done).toMatchObject({ status: "permanent_failure", retryCount: 0 });
      expect(done.status === "permanent_failure" && done.error).toContain(
        "the native host answered with no proof receipt",
      );
      expect(done.status === "permanent_failure" && done.error).toContain(problem);
      await expect(service.proof(task.id)).rejects.toMatchObject({ code: "PROOF_NOT_FOUND" });
    },
  );
});

describe.each(DIALECTS)("publication (%s)", (dialect) => {
  it("retries a failed publication with backoff and never proves again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    script.publishFailures.push("transient", "transient");
    const { task } = await service.submit(published(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status).toBe("completed");
    expect(host.proveCalls).toHaveLength(1);
    expect(script.published).toHaveLength(3);
    const steps = started.transitions.filter((t) => t.id === task.id).map((t) => t.to);
    expect(steps).toEqual([
      "queued",
      "proving",
      "publishing",
      "transient_failure",
      "publishing",
      "transient_failure",
      "publishing",
      "completed",
    ]);
    // Each step follows the last on this instance: none of them was taken away from it.
    expect(started.logs.filter((l) => /lease lost/.test(l.message))).toEqual([]);
  });

  it("keeps the proof when publication is rejected, and resubmission only publishes again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    script.publishFailures.push("permanent");
    const { task } = await service.submit(published(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({
      status: "permanent_failure",
      phase: "publish",
    });
    expect(await service.proof(task.id)).toBeDefined();

    const again = await service.submit(published(1), "native");
    expect(again).toMatchObject({ created: false, task: { status: "publishing" } });
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    expect(host.proveCalls).toHaveLength(1);
    expect(script.published).toHaveLength(2);
  });

  it("drops a proof its publication finds outdated, so that resubmission proves again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    script.publishFailures.push("outdated");
    const { task } = await service.submit(published(1), "native");
    expect(await service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({
      status: "permanent_failure",
      phase: "publish",
      error: "publish 1: the chain was reorganised",
    });
    await expect(service.proof(task.id)).rejects.toMatchObject({ code: "PROOF_NOT_FOUND" });

    const again = await service.submit(published(1), "native");
    expect(again).toMatchObject({ created: false, task: { status: "queued" } });
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    expect(host.proveCalls).toHaveLength(2);
    expect(script.published).toHaveLength(2);
  });

  it("takes back a completed task whose proof is found outdated, once, fenced by its attempt, and proves it again", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script, host } = started;
    const { task } = await service.submit(published(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(done.status).toBe("completed");
    const error = new OutdatedProofError("published 1: the chain was reorganised since");

    // Read before an attempt that proved it again: that proof is the current one.
    const earlier = await service.reproveOutdated(task.id, { attempt: done.attempt - 1, error });
    expect(earlier).toMatchObject({ reproven: false, task: { status: "completed" } });
    expect(await service.proof(task.id)).toBeDefined();

    const taken = await service.reproveOutdated(task.id, { attempt: done.attempt, error });
    expect(taken.reproven).toBe(true);
    // A second caller that found the same proof outdated takes nothing back.
    expect((await service.reproveOutdated(task.id, { attempt: done.attempt, error })).reproven).toBe(false);
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    expect(host.proveCalls).toHaveLength(2);
    expect(script.published).toHaveLength(2);
    const { attempts } = await service.statusWithHistory(task.id);
    expect(attempts.filter((a) => a.outcome === "outdated")).toEqual([
      expect.objectContaining({
        attempt: done.attempt + 1,
        phase: "publish",
        error: "published 1: the chain was reorganised since",
      }),
    ]);
  });

  it("resolves a task whose proof is found outdated again: the dependencies it had are not reused", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, script } = started;
    script.graph.set(1, [leaf(1)]);
    const { task } = await service.submit(node(1), "native");
    const done = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(script.dependencyInputs.get(1)).toEqual([1]);

    script.graph.set(1, [leaf(2)]); // the chain as it is now names another dependency
    const error = new OutdatedProofError("node 1: the chain was reorganised since");
    const { task: restarted } = await service.reproveOutdated(task.id, { attempt: done.attempt, error });
    expect(restarted.status).toBe("pending");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    expect(script.dependencyInputs.get(1)).toEqual([2]);
    const leaf2 = keyOf({ context: leaf(2), backend: "native" });
    expect((await service.graph(task.id)).edges.map((e) => e.to)).toEqual([leaf2]);
  });
});

describe("a retry further off than a timer can wait", () => {
  it("waits for it without waking every millisecond", async () => {
    const overflows: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === "TimeoutOverflowWarning") overflows.push(warning.message);
    };
    process.on("warning", onWarning);
    try {
      // 30 days: beyond 2^31 - 1 ms, Node fires a timer at once, warning, and the scheduler would
      // read the database again every millisecond until the retry is due.
      const month = 30 * 24 * 3_600_000;
      started = await startService({ retry: { baseDelayMs: month, maxDelayMs: month } });
      started.script.fetchFailures.set(1, ["transient"]);
      const { task } = await started.service.submit(leaf(1), "native");
      await waitForStatus(started, task.id, "transient_failure");
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(overflows).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
