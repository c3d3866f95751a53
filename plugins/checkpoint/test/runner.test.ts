/**
 * The checkpoint runner against a CL whose chain grows, goes down, loses proofs and rejects them,
 * with the real scheduler and native host. Restarts use a file database and the same host key.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOGGER, type RetryPolicy } from "@paas/core";
import { CHECKPOINT, ChainstateJson, ClClient, ClErrorCode, type ClStfOutput, toHex } from "@paas/rollup";
import { createPluginHarness, type PluginHarness, until } from "@paas/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointFacts } from "../src/facts.js";
import {
  CheckpointPlugin,
  type CheckpointReport,
  CheckpointRunner,
  parseCheckpointSettings,
} from "../src/index.js";
import { clStfStandIn, memoryLogger, TestCl } from "../src/testing.js";

const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const checkpoint = (index: number) => ({ kind: CHECKPOINT.kind, index });
/** Retries enough to ride out the outages these tests stage. */
const PATIENT: Partial<RetryPolicy> = { baseDelayMs: 10, multiplier: 2, maxDelayMs: 50, maxRetries: 1_000 };

async function startCl(epochs: number): Promise<TestCl> {
  const cl = await TestCl.start({ slotsPerEpoch: 2, epochs });
  open.push(cl);
  return cl;
}

async function startProver(
  cl: TestCl,
  options: {
    settings?: Record<string, unknown>;
    database?: string;
    privateKey?: Uint8Array;
    tamper?: Parameters<typeof clStfStandIn>[1];
  } = {},
) {
  const logger = memoryLogger();
  const harness = await createPluginHarness({
    plugins: [CheckpointPlugin],
    standIns: [clStfStandIn(cl, options.tamper)],
    overrides: [
      { token: ClClient, useValue: cl.client() },
      { token: LOGGER, useValue: logger },
    ],
    pluginSettings: { checkpoint: { interval_ms: 20, ...options.settings } },
    retry: PATIENT,
    workers: 1,
    ...(options.database !== undefined && { database: options.database }),
    ...(options.privateKey !== undefined && { privateKey: options.privateKey }),
  });
  open.push(harness);
  cl.trustedKey = harness.publicKey;
  const proofs: string[] = [];
  harness.host.onProved((summary) => proofs.push(summary.program));
  return {
    harness,
    logger,
    checkpointProofs: () => proofs.filter((p) => p === CHECKPOINT.program.name).length,
  };
}

/** Checkpoint indices in the order their tasks were created. */
function created(harness: PluginHarness): number[] {
  return harness.transitions
    .filter((t) => t.kind === CHECKPOINT.kind && t.from === null)
    .map((t) => t.context.index as number);
}

async function report(harness: PluginHarness): Promise<CheckpointReport> {
  return (await harness.service.pluginReports()).checkpoint as CheckpointReport;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const proven =
  (cl: TestCl, ...indices: number[]) =>
  () =>
    indices.every((i) => cl.proven.has(i));

describe("checkpoint runner", () => {
  it("proves checkpoints 0..k in order as the chain grows, each exactly once", async () => {
    const cl = await startCl(1);
    const { harness, checkpointProofs } = await startProver(cl);
    await until(proven(cl, 0), "checkpoint 0");
    cl.grow(2);
    await until(proven(cl, 1, 2), "checkpoints 1 and 2");
    cl.grow(1);
    await until(proven(cl, 3), "checkpoint 3");
    await until(
      async () => (await report(harness)).nextUnproven === null,
      "the runner to see every checkpoint proven",
    );

    expect(created(harness)).toEqual([0, 1, 2, 3]);
    expect(sorted(cl.answered("accepted"))).toEqual([0, 1, 2, 3]);
    expect(cl.answered("already-proven")).toEqual([]);
    expect(checkpointProofs()).toBe(4);
    expect(await report(harness)).toMatchObject({
      runner: "on",
      latestCheckpoint: 3,
      nextUnproven: null,
      lastSubmitted: 3,
      lastAccepted: 3,
      failed: [],
      runnerErrors: 0,
      attention: null,
    });
  });

  it("keeps at most `window` checkpoints in flight and never resubmits one in flight", async () => {
    const cl = await startCl(6);
    cl.refuseSubmissions = true;
    const { harness } = await startProver(cl, { settings: { window: 2 } });
    await until(() => cl.stub.callsOf("cl_submitCheckpointProof").length >= 6, "publication attempts");
    const polls = cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length;
    await until(
      () => cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length >= polls + 5,
      "five more runner ticks",
    );
    expect(created(harness)).toEqual([0, 1]);
    expect((await harness.service.list({ kind: CHECKPOINT.kind })).tasks).toHaveLength(2);

    cl.refuseSubmissions = false;
    await until(proven(cl, 0, 1, 2, 3, 4, 5), "every checkpoint");
    expect(created(harness)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sorted(cl.answered("accepted"))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  // Proving after the outage starts a worker thread: on a machine busy with other suites, that
  // alone has taken more than 20 s.
  it("survives a CL outage: failed ticks are counted and logged once, the next tick retries", {
    timeout: 120_000,
  }, async () => {
    const cl = await startCl(1);
    cl.down = true;
    const { harness, logger } = await startProver(cl);
    await until(async () => ((await report(harness)).runnerErrors ?? 0) >= 3, "three failed ticks");
    const during = await report(harness);
    expect(during.lastError).toMatch(/cl_get\w+CheckpointIndex.*the CL is down/);
    expect(during.attention).toMatch(
      /^the runner cannot follow the CL \(since .+, next try at .+\): .*the CL is down/,
    );
    expect(logger.lines.filter((l) => l.level === "warn" && /tick failed/.test(l.message))).toHaveLength(1);
    expect(created(harness)).toEqual([]);

    cl.down = false;
    await until(proven(cl, 0), "checkpoint 0 after the outage", 90_000);
    expect(logger.lines.some((l) => l.level === "info" && /ticks succeed again/.test(l.message))).toBe(true);
    expect(created(harness)).toEqual([0]);
    expect((await report(harness)).attention).toBeNull();
  });

  it("backs off while the CL is down: one warning, a reminder now and then, one info line once it answers", async () => {
    const cl = await startCl(1);
    const { harness } = await startProver(cl, { settings: { runner: false } });
    const logger = memoryLogger();
    const facts = new CheckpointFacts();
    let clock = Date.now();
    const runner = new CheckpointRunner({
      // One attempt per call: what is measured is the runner's pace, not the client's retries.
      cl: new ClClient({ url: cl.url, timeoutMs: 2_000, retry: { attempts: 1 } }),
      handle: harness.service,
      settings: {
        ...parseCheckpointSettings({ interval_ms: 10 }),
        backend: harness.service.backendFor(CHECKPOINT.kind),
      },
      facts,
      logger,
      now: () => clock,
    });
    open.push({ close: () => runner.stop() });
    cl.down = true;
    runner.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Doubling waits from 10 ms: ticks at 0, 10, 30, 70, 150, 310, 630 ms, and the tenth not before
    // 5.1 s, so however late this runs on a loaded machine, at most 10 (a slow tick only delays the
    // next). At a fixed 10 ms, a CL down asked about a hundred times a second, and with the default
    // 5 s, each of a few hundred ticks an outage lasted made each call's retries too.
    expect(facts.runnerErrors).toBeLessThanOrEqual(10);
    // That it keeps trying is waited for, not counted in the second: a loaded machine may run fewer.
    await until(() => facts.runnerErrors >= 3, "three failed ticks");
    const warnings = () => logger.lines.filter((l) => l.level === "warn");
    expect(warnings()).toHaveLength(1);
    // The report says since when, and when the runner asks next: a count of failed ticks alone did
    // not tell a CL down for a minute from one down for a day.
    const since = new Date(clock).toISOString();
    const outage = facts.snapshot().outage;
    expect(outage).toEqual({
      since,
      failedTicks: facts.runnerErrors,
      nextTryAt: expect.stringMatching(/^\d{4}-/),
    });
    expect(Date.parse(outage!.nextTryAt)).toBeGreaterThan(clock);
    expect(facts.snapshot().attention).toMatch(
      new RegExp(`^the runner cannot follow the CL \\(since ${since}, next try at .+\\): .*the CL is down`),
    );

    // Ten minutes into the outage (the runner's clock), the next failed tick says so again.
    clock += 10 * 60_000;
    const errors = facts.runnerErrors;
    await until(() => facts.runnerErrors > errors, "another failed tick");
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({
      message: expect.stringMatching(/still failing/),
      fields: { failedTicks: facts.runnerErrors, error: expect.stringMatching(/the CL is down/) },
    });

    cl.down = false;
    // The poll lands in the facts before its tick ends, and the tick's end is what logs the recovery.
    const recovered = () =>
      logger.lines.filter((l) => l.level === "info" && /ticks succeed again/.test(l.message));
    // The next tick comes after the doubled wait, about as long as the outage so far: on a loaded
    // machine, seconds.
    await until(() => recovered().length > 0, "the runner to hear from the CL again");
    expect(facts.polledAtMs).toBeDefined();
    expect(recovered()).toHaveLength(1);
    expect(recovered()[0]!.fields).toMatchObject({ failedTicks: facts.runnerErrors });
    expect(warnings()).toHaveLength(2);
    expect(facts.snapshot()).toMatchObject({ outage: null, attention: null });
  });

  it("does not submit a proof again while the CL is still taking the first one, slower than the call's deadline", {
    timeout: 60_000,
  }, async () => {
    const cl = await startCl(1);
    // The CL takes longer to verify a proof than the client waits for its answer (2 s).
    cl.delayMs = (method) => (method === "cl_submitCheckpointProof" ? 2_500 : 0);
    await startProver(cl);
    await until(proven(cl, 0), "checkpoint 0");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(cl.submissions.map((s) => [s.index, s.outcome])).toEqual([[0, "accepted"]]);
  });

  it("after a restart, continues from where it stood: no checkpoint skipped, proven or published twice", async () => {
    const cl = await startCl(2);
    const dir = mkdtempSync(path.join(tmpdir(), "paas-checkpoint-"));
    dirs.push(dir);
    const database = path.join(dir, "paas.sqlite");
    const privateKey = randomBytes(32);

    // First run: checkpoints 0 and 1 are accepted; checkpoint 2 is proven but the CL will not take
    // it yet, so it is mid-publication when the prover stops.
    const first = await startProver(cl, { database, privateKey });
    await until(proven(cl, 0, 1), "checkpoints 0 and 1");
    cl.refuseSubmissions = true;
    cl.grow(1);
    await until(
      () => cl.stub.callsOf("cl_submitCheckpointProof").some((c) => (c.params as unknown[])[0] === 2),
      "checkpoint 2 to reach publication",
    );
    expect(first.checkpointProofs()).toBe(3);
    await first.harness.close();

    // Meanwhile the chain moves on and the CL takes proofs again.
    cl.grow(1);
    cl.refuseSubmissions = false;
    const second = await startProver(cl, { database, privateKey });
    await until(proven(cl, 2, 3), "checkpoints 2 and 3");
    expect(created(second.harness)).toEqual([3]);
    expect(second.checkpointProofs()).toBe(1); // checkpoint 3 only: 2 was published from its stored proof
    const touched = new Set(
      second.harness.transitions.filter((t) => t.kind === CHECKPOINT.kind).map((t) => t.context.index),
    );
    expect([...touched].sort()).toEqual([2, 3]);
    expect(sorted(cl.answered("accepted"))).toEqual([0, 1, 2, 3]);
    expect(cl.answered("already-proven")).toEqual([]);
  });

  it("with no retries left, leaves a failed checkpoint to the operator, reports why, and moves on once it is resubmitted", async () => {
    const cl = await startCl(3);
    cl.rejectWith = (index) => (index === 1 ? "checkpoint 1 is cursed" : undefined);
    const { harness, logger } = await startProver(cl, { settings: { failed_retries: 0 } });
    await until(proven(cl, 0, 2), "checkpoints 0 and 2");
    await until(async () => (await report(harness)).failed.includes(1), "checkpoint 1 reported failed");
    const polls = cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length;
    await until(
      () => cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length >= polls + 5,
      "five more runner ticks",
    );
    expect(harness.statusesOf(checkpoint(1)).at(-1)).toBe("permanent_failure");
    expect(harness.statusesOf(checkpoint(1)).filter((s) => s === "proving")).toHaveLength(1);
    expect(cl.answered("rejected")).toEqual([1]); // not resubmitted by the runner
    expect(await report(harness)).toMatchObject({
      nextUnproven: 1,
      failed: [1],
      stuck: [{ index: 1, status: "permanent_failure", retries: 0, error: expect.stringMatching(/cursed/) }],
    });
    expect((await report(harness)).stuck[0]).not.toHaveProperty("retryAt");
    // Left to a person, so shown where the progress view puts what needs one.
    expect((await report(harness)).attention).toBe(
      "checkpoint 1 (permanent_failure) waits for an operator: fix the cause, then paas_proveCheckpoint",
    );
    const warnings = logger.lines.filter((l) => l.level === "warn" && l.fields.index === 1);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.fields.error)).toMatch(/checkpoint 1 is cursed/);

    // The operator fixes the cause and resubmits: published again, not proven again.
    cl.rejectWith = undefined;
    await harness.service.rpcMethods().get("paas_proveCheckpoint")!.handler([1]);
    await until(proven(cl, 1), "checkpoint 1");
    await until(async () => (await report(harness)).nextUnproven === null, "the runner to catch up");
    expect((await report(harness)).failed).toEqual([]);
    expect((await report(harness)).attention).toBeNull();
    expect(harness.statusesOf(checkpoint(1)).filter((s) => s === "proving")).toHaveLength(1);
  });

  it("submits a failed checkpoint again on its own schedule while later ones go on, once the cause is gone", async () => {
    const cl = await startCl(3);
    cl.rejectWith = (index) => (index === 1 ? "the CL is not ready for checkpoint 1" : undefined);
    // A delay long enough that the failure is seen before the runner's own resubmission (at 300 ms,
    // a loaded machine saw it only after, with a retry counted).
    const { harness, checkpointProofs } = await startProver(cl, {
      settings: { failed_retries: 3, failed_retry_delay_ms: 3_000 },
    });
    await until(proven(cl, 0, 2), "checkpoints 0 and 2 past the failed one");
    // 2 may be accepted before 1's refusal is recorded: the two publications run side by side.
    let stuck: Awaited<ReturnType<typeof report>>["stuck"] = [];
    await until(async () => {
      stuck = (await report(harness)).stuck;
      return stuck.length > 0;
    }, "checkpoint 1 recorded as failed");
    expect(stuck).toMatchObject([{ index: 1, status: "permanent_failure", retries: 0 }]);
    expect(stuck[0]!.retryAt).toBeDefined();
    // The runner will submit it again: nothing for a person yet.
    expect((await report(harness)).attention).toBeNull();
    cl.rejectWith = undefined;
    await until(proven(cl, 1), "checkpoint 1, resubmitted by the runner");
    // Published again from its stored proof: three checkpoints, three proofs.
    expect(checkpointProofs()).toBe(3);
    await until(async () => (await report(harness)).stuck.length === 0, "nothing stuck");
  });

  it("waits its delay after each failure of a resubmitted checkpoint, however long the attempt took", async () => {
    const cl = await startCl(1);
    cl.rejectWith = (index) => (index === 0 ? "checkpoint 0 is cursed" : undefined);
    // The plugin's own runner is off: this one's ticks are run by hand, on a clock set by hand.
    const { harness } = await startProver(cl, { settings: { runner: false } });
    let clock = 0;
    const facts = new CheckpointFacts();
    const runner = new CheckpointRunner({
      cl: cl.client(),
      handle: harness.service,
      settings: {
        ...parseCheckpointSettings({ failed_retries: 3, failed_retry_delay_ms: 1_000 }),
        backend: harness.service.backendFor(CHECKPOINT.kind),
      },
      facts,
      logger: memoryLogger(),
      now: () => clock,
    });
    const failures = () => harness.statusesOf(checkpoint(0)).filter((s) => s === "permanent_failure").length;
    expect((await runner.tick()).submitted).toEqual([0]);
    await until(() => failures() === 1, "checkpoint 0 failed");
    expect((await runner.tick()).retried).toEqual([]);
    clock = 1_000;
    expect((await runner.tick()).retried).toEqual([0]);
    await until(() => failures() === 2, "checkpoint 0 failed again");
    // The second attempt took 9 s, longer than the second delay (2 s): that wait starts now.
    clock = 10_000;
    expect((await runner.tick()).retried).toEqual([]);
    expect(facts.snapshot().stuck).toMatchObject([
      { index: 0, retries: 1, retryAt: new Date(12_000).toISOString() },
    ]);
    clock = 12_000;
    expect((await runner.tick()).retried).toEqual([0]);
  });

  it("passes over a checkpoint an operator cancelled, and leaves it cancelled", async () => {
    const cl = await startCl(1);
    cl.refuseSubmissions = true;
    const { harness, logger } = await startProver(cl);
    await until(() => harness.statusesOf(checkpoint(0)).includes("publishing"), "checkpoint 0 publishing");
    await harness.service.cancel({ context: checkpoint(0), backend: "native" });
    // A submission already on the wire when the cancel came may still reach the CL: let it land
    // while submissions are refused (a few runner ticks), so that only a later one could prove 0.
    const ticks = cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length;
    await until(
      () => cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length >= ticks + 3,
      "three more runner ticks",
    );
    cl.refuseSubmissions = false;
    cl.grow(2);
    await until(proven(cl, 1, 2), "checkpoints 1 and 2 past the cancelled one");
    expect(cl.proven.has(0)).toBe(false);
    expect(harness.statusesOf(checkpoint(0)).at(-1)).toBe("cancelled");
    expect((await report(harness)).stuck).toEqual([
      { index: 0, status: "cancelled", error: "cancelled by an operator", retries: 0 },
    ]);
    expect((await report(harness)).attention).toMatch(/^checkpoint 0 \(cancelled\) waits for an operator/);
    // Something an operator must act on: said once, however many ticks pass over it.
    const warnings = logger.lines.filter((l) => l.level === "warn" && l.fields.index === 0);
    expect(warnings.map((l) => l.message)).toEqual([
      "checkpoint cancelled by an operator holds the CL back; the runner leaves it: resubmit it with paas_proveCheckpoint",
    ]);
  });

  it("does not submit completed checkpoints again while a lower one is stuck", async () => {
    const cl = await startCl(4);
    cl.rejectWith = (index) => (index === 0 ? "checkpoint 0 is cursed" : undefined);
    const { harness } = await startProver(cl, { settings: { failed_retries: 0 } });
    await until(proven(cl, 1, 2, 3), "checkpoints 1..3");
    const polls = cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length;
    await until(
      () => cl.stub.callsOf("cl_getNextUnprovenCheckpointIndex").length >= polls + 10,
      "ten more runner ticks",
    );
    const submitted = cl.stub.callsOf("cl_submitCheckpointProof").map((c) => (c.params as unknown[])[0]);
    expect(sorted(submitted as number[])).toEqual([0, 1, 2, 3]);
    expect((await report(harness)).failed).toEqual([0]);
  });

  // 258 checkpoints, 516 proofs: about 7 s of CPU, which a machine at load 15 on 2 cores gives
  // this process in well over a minute.
  it("goes on past a stuck checkpoint for longer than one tick's lookahead: the checkpoints it knows proven take no place in it", {
    timeout: 300_000,
  }, async () => {
    const lookahead = 256; // the runner's MAX_LOOKAHEAD
    const cl = await startCl(lookahead + 3);
    cl.rejectWith = (index) => (index === 0 ? "checkpoint 0 is cursed" : undefined);
    // Completions wake the runner, which is what moves it on here. Polling every 20 ms besides, it
    // read the 64 checkpoints in flight from the store some 30 times a second (1,900 ticks, not
    // 260), taking the main thread from the proofs: on a loaded machine they took twice as long.
    await startProver(cl, { settings: { failed_retries: 0, window: 64, interval_ms: 1_000 } });
    const after = Array.from({ length: lookahead + 2 }, (_, i) => i + 1);
    await until(proven(cl, ...after), "every checkpoint after the stuck one", 280_000);
    expect(cl.proven.has(0)).toBe(false);
  });

  it("publishes a stored proof again when the CL lost it, without proving again", async () => {
    const cl = await startCl(1);
    const { checkpointProofs } = await startProver(cl);
    await until(proven(cl, 0), "checkpoint 0");
    cl.proven.delete(0); // e.g. a devnet restarted without its data
    await until(() => cl.answered("accepted").length === 2, "checkpoint 0 accepted again");
    expect(cl.answered("accepted")).toEqual([0, 0]);
    expect(checkpointProofs()).toBe(1);
  });

  it("publishes again every stored proof the CL lost, also those it had said were proven while a lower one was open", async () => {
    const cl = await startCl(3);
    cl.rejectWith = (index) => (index === 0 ? "not yet" : undefined);
    const { harness, checkpointProofs } = await startProver(cl, { settings: { failed_retries: 0 } });
    await until(proven(cl, 1, 2), "checkpoints 1 and 2");
    await until(async () => (await report(harness)).failed.includes(0), "checkpoint 0 reported failed");
    // Ticks with 0 open visit the completed 1 and 2 and ask the CL, which says they are proven: a
    // question after the accepted submission is the runner's.
    const askedAfterAcceptance = (index: number) => {
      const calls = cl.stub.calls.map((c) => `${c.method}(${(c.params as unknown[])[0]})`);
      return (
        calls.lastIndexOf(`cl_getCheckpointStatus(${index})`) >
        calls.indexOf(`cl_submitCheckpointProof(${index})`)
      );
    };
    await until(() => askedAfterAcceptance(1) && askedAfterAcceptance(2), "the runner to ask about 1 and 2");
    cl.rejectWith = undefined;
    await harness.service.rpcMethods().get("paas_proveCheckpoint")!.handler([0]);
    await until(async () => (await report(harness)).nextUnproven === null, "every checkpoint proven");

    cl.proven.clear(); // e.g. a devnet restarted without its data
    await until(proven(cl, 0, 1, 2), "every stored proof published again");
    expect(sorted(cl.answered("accepted"))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(checkpointProofs()).toBe(3);
  });

  it("does not stall behind a stored proof the CL lost and will not take now: later ones go on, it is published once it does", async () => {
    const cl = await startCl(1);
    const { harness, logger } = await startProver(cl, { settings: { failed_retry_delay_ms: 200 } });
    await until(proven(cl, 0), "checkpoint 0");
    // A stored proof: its task completed. The CL lists 0 proven before its answer reaches the task;
    // lost then, with the answer later than the client's 2 s (a loaded machine), the task itself
    // submitted it again, in flight for the runner, which rightly reported nothing stuck.
    await until(
      () => harness.statusesOf(checkpoint(0)).at(-1) === "completed",
      "checkpoint 0's task to complete",
    );
    cl.proven.delete(0); // lost, and submissions of it fail (not a verdict on the proof)
    cl.refuseSubmissions = (index) => index === 0;
    cl.grow(2);
    await until(proven(cl, 1, 2), "checkpoints 1 and 2, past the unpublished 0");
    expect((await report(harness)).stuck).toEqual([
      expect.objectContaining({
        index: 0,
        status: "completed",
        error: expect.stringContaining("the CL is down"),
      }),
    ]);
    const warnings = logger.lines.filter((l) =>
      l.message.startsWith("publishing a stored checkpoint proof again failed"),
    );
    expect(warnings).toHaveLength(1);
    cl.refuseSubmissions = false;
    await until(proven(cl, 0), "checkpoint 0 published again");
    expect(created(harness)).toEqual([0, 1, 2]);
    await until(async () => (await report(harness)).stuck.length === 0, "nothing stuck");
  });

  it("leaves a stored proof the CL rejects when published again to the operator, with the CL's reason; paas_proveCheckpoint publishes it", async () => {
    const cl = await startCl(1);
    const { harness, checkpointProofs } = await startProver(cl);
    await until(proven(cl, 0), "checkpoint 0");
    // The CL restarts without its data, trusting another prover key by mistake.
    cl.proven.delete(0);
    const trusted = cl.trustedKey;
    cl.trustedKey = new Uint8Array(32).fill(9);
    await until(async () => (await report(harness)).stuck.length > 0, "checkpoint 0 reported stuck");
    expect((await report(harness)).stuck).toEqual([
      {
        index: 0,
        status: "completed",
        error: expect.stringMatching(
          /^the CL rejected the stored proof when it was published again: .*receipt/,
        ),
        retries: 0,
      },
    ]);
    expect((await report(harness)).attention).toBe(
      "checkpoint 0 (completed) waits for an operator: fix the cause, then paas_proveCheckpoint",
    );
    const proveCheckpoint = harness.service.rpcMethods().get("paas_proveCheckpoint")!;
    // Before the cause is fixed, the operator's call answers the CL's verdict rather than nothing.
    await expect(proveCheckpoint.handler([0])).rejects.toThrow(
      /^the CL rejected the proof of checkpoint 0: /,
    );

    cl.trustedKey = trusted;
    expect(await proveCheckpoint.handler([0])).toMatchObject({
      created: false,
      task: { status: "completed" },
    });
    expect(cl.proven.has(0)).toBe(true);
    await until(async () => (await report(harness)).nextUnproven === null, "the runner to see it proven");
    expect((await report(harness)).stuck).toEqual([]);
    expect((await report(harness)).attention).toBeNull();
    expect(checkpointProofs()).toBe(1);
  });

  it("after a CL reorg between a checkpoint's resolution and its proof, publishes no proof of the orphaned blocks and proves the new chain's", async () => {
    const cl = await startCl(1);
    const orphaned = toHex(cl.blockIds[1]!);
    let reorged = false;
    // The CL STF proof is made of the blocks the checkpoint resolved; then the CL replaces them.
    const reorgAfterProof = (output: ClStfOutput, chain: TestCl) => {
      if (!reorged) chain.reorg(1);
      reorged = true;
      return output;
    };
    const { harness, checkpointProofs } = await startProver(cl, {
      settings: { failed_retries: 3, failed_retry_delay_ms: 50 },
      tamper: reorgAfterProof,
    });
    await until(
      async () => cl.proven.has(0) || (await report(harness)).attention !== null,
      "checkpoint 0 proven, or left to an operator",
    );

    expect(cl.answered("rejected")).toEqual([]);
    expect(cl.answered("accepted")).toEqual([0]);
    expect(checkpointProofs()).toBe(1);
    const failed = harness.transitions.find(
      (t) => t.id === harness.keyOf(checkpoint(0)) && t.to === "permanent_failure",
    );
    expect(failed?.error).toBe(
      `checkpoint 0: cl-stf slots 1..2: reorg: the CL node's block at slot 1 is ${toHex(cl.blockIds[1]!)}, not ${orphaned} as the context's start says; the range is no longer canonical`,
    );
  });

  it("after a CL reorg while a checkpoint is proven, publishes no proof of the orphaned blocks, drops it and proves the new chain's", async () => {
    const cl = await startCl(1);
    const { harness, checkpointProofs } = await startProver(cl, {
      settings: { failed_retries: 3, failed_retry_delay_ms: 50 },
    });
    // The checkpoint's inputs were read from the old chain; the CL replaces its blocks before the
    // proof is published.
    let reorged = false;
    harness.host.onProved((summary) => {
      if (summary.program !== CHECKPOINT.program.name || reorged) return;
      reorged = true;
      cl.reorg(1);
    });
    await until(
      async () => cl.proven.has(0) || (await report(harness)).attention !== null,
      "checkpoint 0 proven, or left to an operator",
    );

    expect(cl.answered("rejected")).toEqual([]);
    expect(cl.answered("accepted")).toEqual([0]);
    expect(checkpointProofs()).toBe(2);
    const failed = harness.transitions.find(
      (t) => t.id === harness.keyOf(checkpoint(0)) && t.to === "permanent_failure",
    );
    expect(failed?.error).toMatch(
      /^checkpoint 0: the proof's post-state root 0x[0-9a-f]{8}…[0-9a-f]{8} is not the CL's 0x[0-9a-f]{8}…[0-9a-f]{8} at slot 2: the CL reorganised since its CL STF proofs were made; not published, and dropped: a resubmission proves the new chain's$/,
    );
  });

  it("after a CL reorg below accepted checkpoints, proves them again from the new chain and publishes no proof of the orphaned blocks", async () => {
    const cl = await startCl(2);
    const { harness, checkpointProofs } = await startProver(cl);
    await until(proven(cl, 0, 1), "checkpoints 0 and 1");
    const dependenciesOf = async (index: number) =>
      (await harness.service.graph(harness.keyOf(checkpoint(index)))).edges.map((e) => e.to);
    const orphaned = [...(await dependenciesOf(0)), ...(await dependenciesOf(1))];
    expect(orphaned).toHaveLength(2);

    cl.reorg(2); // the CL replaces the blocks from slot 2 on, and forgets the checkpoints they were under
    await until(
      async () => proven(cl, 0, 1)() || (await report(harness)).attention !== null,
      "checkpoints 0 and 1 accepted again, or left to an operator",
    );

    expect(cl.answered("rejected")).toEqual([]);
    expect(sorted(cl.answered("accepted"))).toEqual([0, 0, 1, 1]);
    expect(checkpointProofs()).toBe(4);
    // Proven from CL STF proofs of the new chain's blocks, none of the replaced ones reused.
    for (const index of [0, 1]) {
      for (const dependency of await dependenciesOf(index)) expect(orphaned).not.toContain(dependency);
    }
    const { attempts } = await harness.service.statusWithHistory(harness.keyOf(checkpoint(0)));
    expect(attempts.filter((a) => a.outcome === "outdated")).toEqual([
      expect.objectContaining({
        phase: "publish",
        error: expect.stringMatching(
          /^checkpoint 0: the proof's post-state root 0x[0-9a-f]{8}…[0-9a-f]{8} is not the CL's 0x[0-9a-f]{8}…[0-9a-f]{8} at slot 2: the CL reorganised since its CL STF proofs were made; /,
        ),
      }),
    ]);
    expect((await report(harness)).stuck).toEqual([]);
  });

  it("publishes, the CL judging, when the CL no longer serves the chainstate a proof is checked against (pruned)", async () => {
    const cl = await startCl(1);
    cl.stub.handle("cl_getChainstate", (params) => {
      const slot = (params as number[])[0]!;
      if (slot === 0 || cl.chainstates[slot] === undefined)
        throw Object.assign(new Error(`slot ${slot} not found`), { code: ClErrorCode.NOT_FOUND });
      return ChainstateJson.encode(cl.chainstates[slot]);
    });
    const { checkpointProofs } = await startProver(cl);
    await until(proven(cl, 0), "checkpoint 0");
    expect(cl.answered("accepted")).toEqual([0]);
    expect(checkpointProofs()).toBe(1);
  });

  it("forgets what the CL has passed: checkpoints completed out of order are not remembered for ever", async () => {
    const cl = await startCl(3);
    // The plugin's own runner is off: this one's ticks are run by hand, and its facts read.
    const { harness } = await startProver(cl, { settings: { runner: false } });
    const facts = new CheckpointFacts();
    const runner = new CheckpointRunner({
      cl: cl.client(),
      handle: harness.service,
      settings: { ...parseCheckpointSettings({}), backend: harness.service.backendFor(CHECKPOINT.kind) },
      facts,
      logger: memoryLogger(),
    });
    // 1 and 2 are proven and published before 0: the runner asks about them while 0 is open.
    for (const index of [1, 2]) await harness.service.submit(checkpoint(index), "native");
    await until(proven(cl, 1, 2), "checkpoints 1 and 2");
    expect((await runner.tick()).submitted).toEqual([0]);
    expect(sorted([...facts.knownProven])).toEqual([1, 2]);

    await until(proven(cl, 0), "checkpoint 0");
    await runner.tick();
    expect(facts.nextUnproven).toBeNull();
    expect(facts.knownProven.size).toBe(0);

    // Forgetting them does not forget that the CL said so: one that loses them is given them again.
    cl.proven.clear();
    await runner.tick();
    expect(sorted(cl.answered("accepted"))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("reports nothing stuck once it stops while the instance lives on (another instance now runs it)", async () => {
    const cl = await startCl(1);
    cl.rejectWith = (index) => (index === 0 ? "checkpoint 0 is cursed" : undefined);
    // The plugin's own runner is off: this one is started and stopped by hand, as an instance's
    // runner is when it is elected and when it steps down (its lease taken by another instance).
    const { harness } = await startProver(cl, { settings: { runner: false } });
    const facts = new CheckpointFacts();
    const runner = new CheckpointRunner({
      cl: cl.client(),
      handle: harness.service,
      settings: {
        ...parseCheckpointSettings({ interval_ms: 20, failed_retries: 0 }),
        backend: harness.service.backendFor(CHECKPOINT.kind),
      },
      facts,
      logger: memoryLogger(),
    });
    open.push({ close: () => runner.stop() });
    runner.start();
    await until(() => facts.snapshot().failed.includes(0), "checkpoint 0 stuck");
    expect(facts.snapshot().attention).toMatch(/^checkpoint 0 \(permanent_failure\) waits for an operator/);

    // What the runner of another instance sees from now on, this one no longer follows: what it
    // found stuck would be shown here for as long as the process lives, fixed or not.
    await runner.stop();
    expect(facts.snapshot()).toMatchObject({ runner: "elsewhere", failed: [], stuck: [], attention: null });
  });

  it("stops cleanly: an in-flight tick is awaited and nothing polls after close", async () => {
    const cl = await startCl(1);
    cl.delayMs = 200;
    const { harness } = await startProver(cl);
    await until(() => cl.received > 0, "a tick in flight");
    expect(cl.stub.calls).toEqual([]); // its calls are still waiting for answers
    await harness.close();
    const received = cl.received;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cl.received).toBe(received);
  });

  it("with the runner off, a report asks a slow CL once, not once per retry, and says it did not answer", async () => {
    const cl = await startCl(1);
    const { harness } = await startProver(cl, { settings: { runner: false } });
    cl.delayMs = 3_000;
    expect(await report(harness)).toMatchObject({
      latestCheckpoint: null,
      polledAt: null,
      lastError: "report: the CL did not answer within 1000 ms",
    });
    // One call for each of the two indices: the progress view, the dashboard and the metrics wait
    // on a report, and each retry of a slow CL had held them another second.
    expect(cl.received).toBe(2);
  });

  it("does not poll when turned off", async () => {
    const cl = await startCl(1);
    const { harness } = await startProver(cl, { settings: { runner: false } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(cl.stub.calls).toEqual([]);
    expect(await report(harness)).toMatchObject({ runner: "off", latestCheckpoint: 0, nextUnproven: 0 });
  });
});
