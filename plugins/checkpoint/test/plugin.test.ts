/**
 * The plugin through the real scheduler: a checkpoint task resolves its CL STF dependencies from
 * the (stub) CL, proves them with the stand-in, aggregates them on the real native host and
 * publishes to the CL. The runner is off here (see runner.test.ts).
 */
import {
  consoleLogger,
  InvalidConfigError,
  InvalidContextError,
  InvalidParamsError,
  LOGGER,
  NotYetAvailableError,
  PLUGIN_RPC_DEADLINE_MS,
  PluginSettings,
  type ProofContext,
  TransientError,
  UnknownBackendError,
} from "@paas/core";
import {
  type BatchTransition,
  CHECKPOINT,
  CL_STF,
  ClClient,
  ClErrorCode,
  rollupParamsRoot,
  shortHex,
  toHex,
} from "@paas/rollup";
import { createPluginHarness } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointFacts } from "../src/facts.js";
import { CheckpointPlugin, checkpointRpcMethods, type ProveCheckpointResult } from "../src/index.js";
import { clStfStandIn, memoryLogger, TestCl } from "../src/testing.js";

const open: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
});

async function setup(options: {
  settings?: Record<string, unknown>;
  tamper?: Parameters<typeof clStfStandIn>[1];
  /** The CL client's deadline (default `TestCl.client`'s short one). */
  clTimeoutMs?: number;
}) {
  const cl = await TestCl.start({ slotsPerEpoch: 6, epochs: 4 });
  open.push(cl);
  const standIn = clStfStandIn(cl, options.tamper);
  const harness = await createPluginHarness({
    plugins: [CheckpointPlugin],
    standIns: [standIn],
    overrides: [
      { token: ClClient, useValue: cl.client(options.clTimeoutMs) },
      { token: LOGGER, useValue: memoryLogger() },
    ],
    pluginSettings: { checkpoint: { runner: false, ...options.settings } },
    workers: 1,
  });
  open.push(harness);
  cl.trustedKey = harness.publicKey;
  const proofs: string[] = [];
  harness.host.onProved((summary) => proofs.push(summary.program));
  const checkpointProofs = (index: number) =>
    harness.transitions.filter((t) => t.id === harness.keyOf(checkpoint(index)) && t.to === "proving").length;
  return { cl, harness, standIn, proofs, checkpointProofs };
}

const checkpoint = (index: number) => ({ kind: CHECKPOINT.kind, index });
const slotsOf = (contexts: readonly ProofContext[]) =>
  contexts.map((c) => [(c.start as { slot: number }).slot, (c.end as { slot: number }).slot]);

/**
 * Default settings (one CL STF proof per epoch, runner off), one harness for the whole block: each
 * test uses its own checkpoint of the 4-epoch chain.
 */
describe("with default settings", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup({});
  });

  it("refuses malformed checkpoint contexts at submit time with InvalidContextError", async () => {
    for (const raw of [
      { kind: "checkpoint", index: -1 },
      { kind: "checkpoint", index: 1.5 },
      { kind: "checkpoint", index: "1" },
      { kind: "checkpoint" },
      { kind: "checkpoint", index: 1, epoch: 1 },
    ]) {
      await expect(env.harness.submit(raw)).rejects.toBeInstanceOf(InvalidContextError);
    }
    await expect(env.harness.submit({ kind: "checkpoint", index: "x" })).rejects.toThrow(
      /^invalid checkpoint context: ✖ .*\n {2}→ at index$/,
    );
  });

  it("depends on one CL STF proof of the whole epoch, named by the chain's block ids", async () => {
    const { cl, harness, standIn } = env;
    const { record, output } = await harness.prove<BatchTransition>(checkpoint(0));
    expect(record.status).toBe("completed");
    expect(output).toEqual(cl.expected(0));
    expect(standIn.contexts).toEqual([
      {
        kind: "cl-stf",
        start: { slot: 1, blockId: toHex(cl.blockIds[1]!) },
        end: { slot: 6, blockId: toHex(cl.blockIds[6]!) },
      },
    ]);
    expect(cl.answered("accepted")).toEqual([0]);
    expect((await harness.service.pluginReports()).checkpoint).toMatchObject({
      lastAccepted: 0,
      runner: "off",
    });
  });

  it("refuses, before storing it, a checkpoint too far beyond the CL's latest to wait for", async () => {
    const { harness } = env;
    const before = (await harness.service.summary()).total;
    for (const index of [3 + 16 + 1, 2 ** 53 - 1]) {
      await expect(harness.submit(checkpoint(index))).rejects.toThrow(
        new RegExp(
          `checkpoint ${index} is more than 16 checkpoints beyond the CL's latest \\(3\\).*plugin_settings\\.checkpoint\\.horizon`,
        ),
      );
    }
    expect((await harness.service.summary()).total).toBe(before);
  });

  it("accepts a checkpoint at once when the CL does not answer admission's lookup", {
    timeout: 60_000,
  }, async () => {
    // The prover client's default node deadline: the lookup retried would hold the submit ~40 s.
    const slow = await setup({ clTimeoutMs: 10_000 });
    slow.cl.stub.handle("cl_getLatestCheckpointIndex", () => new Promise(() => {}));
    const started = performance.now();
    // Accepted, not refused: the task's steps meet the CL's silence and classify it.
    await slow.harness.submit(checkpoint(2));
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it("answers paas_proveCheckpoint by the plugin methods' deadline when the CL does not answer the stored proof's publication", {
    timeout: 60_000,
  }, async () => {
    // The prover client's default node deadline: each CL call retried holds ~40 s, three of them.
    const slow = await setup({ clTimeoutMs: 10_000 });
    expect((await slow.harness.prove(checkpoint(1))).record.status).toBe("completed");
    // The CL lost the proof, so the call publishes it again; the CL takes the connection, silent.
    slow.cl.proven.delete(1);
    slow.cl.stub.handle("cl_getCheckpointStatus", () => new Promise(() => {}));
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise((resolve) => {
      timer = setTimeout(() => resolve("still held"), PLUGIN_RPC_DEADLINE_MS + 5_000);
    });
    const call = slow.harness.service.rpcMethods().get("paas_proveCheckpoint")!.handler([1]);
    const answer = await Promise.race([call.catch((error: unknown) => error), held]);
    clearTimeout(timer);
    expect(answer).toBeInstanceOf(TransientError);
    expect((answer as Error).message).toMatch(
      new RegExp(
        `^paas_proveCheckpoint: a node it asks did not answer within ${PLUGIN_RPC_DEADLINE_MS / 1_000} s`,
      ),
    );
  });

  it("publication retries a CL that is down or answers errors, asking before each resubmission, never proving again", async () => {
    const { cl, harness, checkpointProofs } = env;
    cl.stub.failNext({ mode: "http500" }, { method: "cl_submitCheckpointProof", times: 3 });
    cl.stub.failNext(
      { mode: "rpc-error", code: -32603, message: "internal error" },
      { method: "cl_submitCheckpointProof", times: 1 },
    );
    const before = cl.stub.callsOf("cl_submitCheckpointProof").length;
    const asked = cl.stub.callsOf("cl_getCheckpointStatus").length;
    const { record, output } = await harness.prove<BatchTransition>(checkpoint(1));
    expect(record.status).toBe("completed");
    expect(output).toEqual(cl.expected(1));
    expect(checkpointProofs(1)).toBe(1);
    // Three submissions per publication attempt, each after asking the CL: the first attempt fails.
    const statuses = harness.statusesOf(checkpoint(1));
    expect(statuses.filter((s) => s === "transient_failure")).toHaveLength(1);
    expect(statuses.slice(-2)).toEqual(["publishing", "completed"]);
    expect(
      cl.stub
        .callsOf("cl_submitCheckpointProof")
        .slice(before)
        .map((c) => c.outcome),
    ).toEqual(["http500", "http500", "http500", "rpc-error", "ok"]);
    expect(cl.stub.callsOf("cl_getCheckpointStatus").length - asked).toBe(5);
    const retry = harness.transitions.find(
      (t) => t.id === harness.keyOf(checkpoint(1)) && t.to === "transient_failure",
    );
    expect(retry?.error).toMatch(/publishing checkpoint 1 to the CL failed: cl_submitCheckpointProof/);
    expect(cl.answered("accepted")).toEqual([0, 1]);
  });

  it("publication waits, without using up retries, for a CL that no longer has the checkpoint (behind, or restarted without its data)", async () => {
    const { cl, harness, checkpointProofs } = await setup({});
    cl.stub.failNext(
      { mode: "rpc-error", code: ClErrorCode.NOT_FOUND, message: "checkpoint 1 not found" },
      { method: "cl_getCheckpointStatus", times: 1 },
    );
    // Behind: its latest checkpoint is below this one while it does not have it.
    cl.stub.handle("cl_getLatestCheckpointIndex", () => 0);
    const { record } = await harness.prove(checkpoint(1));
    expect(record.status).toBe("completed");
    const waited = harness.transitions.filter(
      (t) => t.id === harness.keyOf(checkpoint(1)) && t.to === "transient_failure",
    );
    expect(waited.map((t) => t.error)).toEqual([
      "the CL does not have checkpoint 1 now (it is behind, or restarted without its data): the proof is published once it does: cl_getCheckpointStatus: checkpoint 1 not found (JSON-RPC error -32004)",
    ]);
    // A wait, not a failed submission: the prover client counts none in its metrics.
    expect(waited.map((t) => t.waiting)).toEqual([true]);
    expect((await harness.service.status({ context: checkpoint(1), backend: "native" })).retryCount).toBe(0);
    expect(checkpointProofs(1)).toBe(1);
    expect(cl.answered("accepted")).toEqual([1]);
  });

  it("publication fails, its retries used up, for a CL that lists later checkpoints but not this one", {
    timeout: 60_000,
  }, async () => {
    const { cl, harness, checkpointProofs } = await setup({});
    // Not behind (its latest is 3): a CL that lost this checkpoint alone, or another chain's.
    cl.stub.failNext(
      { mode: "rpc-error", code: ClErrorCode.NOT_FOUND, message: "checkpoint 1 not found" },
      { method: "cl_getCheckpointStatus", times: 1_000 },
    );
    // Bounded below the test's timeout so a task that waits for ever says where it is; the bound
    // covers a fresh harness proving its dependencies too, which under CI's load took over 15 s.
    const { record } = await harness.prove(checkpoint(1), { timeoutMs: 45_000 });
    expect(record).toMatchObject({
      status: "permanent_failure",
      error: expect.stringMatching(
        /^gave up after 5 retries: the CL does not have checkpoint 1, though its latest is 3: /,
      ),
    });
    expect(checkpointProofs(1)).toBe(1);
    expect(cl.answered("accepted")).toEqual([]);
  });

  it("a CL rejection (INVALID_PROOF) is permanent with the CL's reason; resubmitting publishes again without proving", async () => {
    const { cl, harness, checkpointProofs } = env;
    cl.rejectWith = () => "the proven transition differs from the CL's: post-state root 0x1234";
    const before = cl.stub.callsOf("cl_submitCheckpointProof").length;
    const { record } = await harness.prove(checkpoint(2));
    cl.rejectWith = undefined;
    expect(record).toMatchObject({ status: "permanent_failure", phase: "publish" });
    expect("error" in record && record.error).toBe(
      "the CL rejected the proof of checkpoint 2: the proven transition differs from the CL's: post-state root 0x1234",
    );
    expect(cl.stub.callsOf("cl_submitCheckpointProof").length - before).toBe(1); // not retried

    const again = await harness.prove(checkpoint(2));
    expect(again.record.status).toBe("completed");
    expect(checkpointProofs(2)).toBe(1);
    expect(cl.answered("accepted")).toEqual([0, 1, 2]);
  });

  it("a proof the CL cannot verify (it trusts another key) is rejected permanently with its reason", async () => {
    const { cl, harness } = env;
    cl.trustedKey = new Uint8Array(32).fill(9);
    const { record } = await harness.prove(checkpoint(3));
    cl.trustedKey = harness.publicKey;
    expect(record).toMatchObject({ status: "permanent_failure", phase: "publish" });
    expect("error" in record && record.error).toMatch(
      /^the CL rejected the proof of checkpoint 3: .*receipt rejected/,
    );
  });

  it("a checkpoint the CL already lists as proven is not submitted again", async () => {
    const { cl, harness } = env;
    cl.proven.add(3);
    const before = cl.stub.callsOf("cl_submitCheckpointProof").length;
    // Resubmits the task the previous test left failed in publication; meanwhile the CL got a proof.
    const { record } = await harness.prove(checkpoint(3));
    expect(record.status).toBe("completed");
    expect(cl.stub.callsOf("cl_submitCheckpointProof").length).toBe(before);
    expect((await harness.service.pluginReports()).checkpoint).toMatchObject({ lastAccepted: 3 });
  });

  it("paas_proveCheckpoint validates its params and submits idempotently", async () => {
    const { cl, harness } = env;
    const method = harness.service.rpcMethods().get("paas_proveCheckpoint")!;
    expect(method.mutates).toBe(true);
    const notAnIndex = "index: a checkpoint index (a non-negative integer or 0x quantity)\n  → at [0]";
    const shape = "expected [index] or [index, backend]";
    for (const [params, message] of [
      [undefined, shape],
      [[], shape],
      [["1"], notAnIndex],
      [[-1], notAnIndex],
      [[1.5], notAnIndex],
      [[0, ""], "backend: a backend name of 1 to 32 characters\n  → at [1]"],
      [[0, "native", "extra"], shape],
      [{ index: 0 }, shape],
    ] as const) {
      await expect(method.handler(params)).rejects.toThrow(
        new InvalidParamsError(`paas_proveCheckpoint: ✖ ${message}`),
      );
    }
    await expect(method.handler([3 + 17])).rejects.toThrow(
      /^invalid checkpoint context: index: checkpoint 20 is more than 16 checkpoints beyond/,
    );
    await expect(method.handler([0, "sp1"])).rejects.toBeInstanceOf(UnknownBackendError);

    // Indices as 0x quantities too, as every plugin's methods take numbers.
    const done = (await method.handler(["0x0"])) as ProveCheckpointResult;
    expect(done).toMatchObject({
      id: harness.keyOf(checkpoint(0)),
      created: false,
      task: { status: "completed" },
    });

    // Checkpoint 4 does not exist yet: accepted, it waits (without using up retries) for its epoch.
    const first = (await method.handler([4])) as ProveCheckpointResult;
    expect(first).toMatchObject({ id: harness.keyOf(checkpoint(4)), created: true });
    await harness.waitForStatus(checkpoint(4), "transient_failure");
    expect(await harness.service.status(first.id)).toMatchObject({
      retryCount: 0,
      error: expect.stringMatching(/checkpoint 4 does not exist yet/),
    });
    cl.grow(1);
    expect(first.task.taskId).toEqual({ context: checkpoint(4), backend: "native" });
    const second = (await method.handler([4, "native"])) as ProveCheckpointResult;
    expect(second).toMatchObject({ id: first.id, created: false });
    expect((await harness.waitFor(checkpoint(4))).status).toBe("completed");
  });

  it("paas_proveLatestCheckpoint proves the CL's latest checkpoint", async () => {
    const { cl, harness } = env;
    const method = harness.service.rpcMethods().get("paas_proveLatestCheckpoint")!;
    expect(method.mutates).toBe(true);
    await expect(method.handler([7])).rejects.toBeInstanceOf(InvalidParamsError);
    cl.grow(1);
    const result = (await method.handler(undefined)) as ProveCheckpointResult;
    expect(result).toMatchObject({ id: harness.keyOf(checkpoint(5)), created: true });
    expect((await harness.waitFor(checkpoint(5))).status).toBe("completed");
    expect(cl.answered("accepted").at(-1)).toBe(5);
  });

  it("paas_proveLatestCheckpoint answers NOT_FOUND while no epoch has closed", async () => {
    const empty = await TestCl.start({ slotsPerEpoch: 2, epochs: 0 });
    open.push(empty);
    const methods = checkpointRpcMethods(
      env.harness.service,
      empty.client(),
      "native",
      new CheckpointFacts(),
    );
    await expect(methods.paas_proveLatestCheckpoint!.handler([])).rejects.toMatchObject({
      rpcCode: ClErrorCode.NOT_FOUND,
      message: "latest checkpoint (no epoch has closed yet) not found",
    });
  });
});

describe("with the epoch split in CL STF proofs of 2 slots", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    // The stand-in breaks the root chain of the proof starting at slot 15 (checkpoint 2's second).
    // It "proves" checkpoint 0's pieces, and the one starting at slot 21 (checkpoint 3's second),
    // under a forger's params: the chain's blocks re-signed with another key.
    env = await setup({
      settings: { cl_stf_max_slots: 2 },
      tamper: (output, cl) => {
        if (output.start === 15) return { ...output, initialChainstateRoot: new Uint8Array(32).fill(0xcd) };
        if (output.epoch === 0 || output.start === 21) return cl.forgedClStfOutput(output.start, output.end);
        return output;
      },
    });
  });

  it("aggregates several CL STF proofs and publishes the CL's own transition", async () => {
    const { cl, harness, standIn, proofs } = env;
    const { record, output } = await harness.prove<BatchTransition>(checkpoint(1));
    expect(record.status).toBe("completed");
    expect(output).toEqual(cl.expected(1));
    expect(slotsOf(standIn.contexts)).toEqual([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(standIn.contexts[1]).toMatchObject({
      start: { blockId: toHex(cl.blockIds[9]!) },
      end: { blockId: toHex(cl.blockIds[10]!) },
    });
    expect(proofs.filter((p) => p === "checkpoint")).toHaveLength(1);
    expect(cl.answered("accepted")).toEqual([1]);
    expect(harness.statusesOf(checkpoint(1))).toEqual([
      "pending",
      "blocked",
      "queued",
      "proving",
      "publishing",
      "completed",
    ]);
  });

  it("fails permanently when the CL STF outputs do not chain, naming the check, and publishes nothing", async () => {
    const { cl, harness } = env;
    const { record } = await harness.prove(checkpoint(2));
    expect(record).toMatchObject({ status: "permanent_failure", phase: "prove" });
    expect("error" in record && record.error).toMatch(
      /CONTINUITY check: checkpoint 2: output 1 starts from chainstate 0xcdcdcdcd/,
    );
    expect(cl.submissions.map((s) => s.index)).toEqual([1]);
  });

  it("fails permanently when the CL STF proofs were made under different params (PARAMS), publishing nothing", async () => {
    const { cl, harness } = env;
    const before = cl.submissions.length;
    const { record } = await harness.prove(checkpoint(3));
    expect(record).toMatchObject({ status: "permanent_failure", phase: "prove" });
    expect("error" in record && record.error).toContain(
      `PARAMS check: checkpoint 3: output 1 was proven under rollup params ${shortHex(rollupParamsRoot(cl.forgerParams))}, output 0 under ${shortHex(rollupParamsRoot(cl.params))}`,
    );
    expect(cl.submissions.length).toBe(before);
  });

  it("a checkpoint of CL STF proofs all made under other params is rejected by the CL, naming the params root", async () => {
    const { cl, harness } = env;
    const { record } = await harness.prove(checkpoint(0));
    // The guest aggregates them (same epoch, chained, same params), the CL does not take them.
    expect(record).toMatchObject({ status: "permanent_failure", phase: "publish" });
    expect("error" in record && record.error).toBe(
      `the CL rejected the proof of checkpoint 0: the proven transition differs from the CL's: params root ${shortHex(rollupParamsRoot(cl.forgerParams))}, expected ${shortHex(rollupParamsRoot(cl.params))}`,
    );
    expect(cl.submissions.at(-1)).toMatchObject({ index: 0, outcome: "rejected" });
    expect(cl.proven.has(0)).toBe(false);
  });
});

describe("a CL whose batch info breaks the epoch rule", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup({});
  });

  it.each([
    ["part of its epoch", 1, { index: 1, epoch: 1, l2Range: { start: 7, end: 9 } }, "epoch 1, slots 7..9"],
    ["another epoch", 2, { index: 2, epoch: 1, l2Range: { start: 7, end: 12 } }, "epoch 1, slots 7..12"],
  ])("fails a checkpoint whose info names %s, proving nothing", async (_, index, answer, said) => {
    const { cl, harness, proofs } = env;
    cl.batchInfoOf = (asked, batch) => (asked === index ? answer : batch);
    const { record } = await harness.prove(checkpoint(index));
    cl.batchInfoOf = undefined;
    expect(record).toMatchObject({ status: "permanent_failure", phase: "resolve" });
    const epoch = `epoch ${index} (slots ${index * 6 + 1}..${index * 6 + 6})`;
    expect("error" in record && record.error).toBe(
      `checkpoint ${index}: the CL's batch info (${said}) is not ${epoch} by its own rollup params`,
    );
    expect(proofs).toEqual([]);
  });
});

describe("a CL that does not serve a checkpoint it has", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup({});
  });

  it("retries it, counted, rather than waiting for ever for what the CL lost", async () => {
    const { cl } = env;
    // Checkpoint 1 is below the CL's latest (3), yet the CL answers that it does not exist.
    cl.batchInfoOf = () => {
      throw Object.assign(new Error("checkpoint 1 not found"), { code: ClErrorCode.NOT_FOUND });
    };
    const plugin = new CheckpointPlugin(cl.client(), new PluginSettings({}), memoryLogger());
    const step = {
      taskId: { context: checkpoint(1), backend: "native" },
      signal: new AbortController().signal,
    };
    const error = await plugin.dependencies(checkpoint(1), step).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    cl.batchInfoOf = undefined;
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(NotYetAvailableError);
    expect((error as Error).message).toBe(
      "the CL does not serve checkpoint 1, though its latest is 3: cl_getCheckpointInfo: checkpoint 1 not found (JSON-RPC error -32004)",
    );
  });
});

describe("a CL that reorganised under an accepted checkpoint", () => {
  it("paas_proveCheckpoint proves it again from the new chain rather than publishing the stored proof of the replaced blocks", async () => {
    const { cl, harness, checkpointProofs } = await setup({});
    expect((await harness.prove(checkpoint(1))).record.status).toBe("completed");
    cl.reorg(7); // the blocks of epoch 1 (slots 7..12) are replaced: the CL lists checkpoint 1 unproven

    const method = harness.service.rpcMethods().get("paas_proveCheckpoint")!;
    const result = (await method.handler([1])) as ProveCheckpointResult;
    expect(result).toMatchObject({
      id: harness.keyOf(checkpoint(1)),
      created: false,
      task: { status: "pending" },
    });
    expect((await harness.waitFor(checkpoint(1))).status).toBe("completed");
    expect(cl.answered("rejected")).toEqual([]);
    expect(cl.answered("accepted")).toEqual([1, 1]);
    expect(checkpointProofs(1)).toBe(2);
    const [dependency] = (await harness.service.graph(result.id)).nodes.filter((n) => n.kind === CL_STF.kind);
    expect(dependency?.context.end).toEqual({ slot: 12, blockId: toHex(cl.blockIds[12]!) });
  });
});

describe("settings", () => {
  const cl = new ClClient({ url: "http://127.0.0.1:9/" });

  it("invalid settings are an InvalidConfigError naming the key", () => {
    const make = (settings: unknown) =>
      new CheckpointPlugin(cl, new PluginSettings({ checkpoint: settings }), consoleLogger);
    expect(() => make({ interval_ms: "fast" })).toThrow(InvalidConfigError);
    expect(() => make({ interval_ms: 0 })).toThrow(
      /^plugin_settings\.checkpoint: ✖ Too small: expected number to be >=10\n {2}→ at interval_ms$/,
    );
    expect(() => make({ runner: "yes" })).toThrow(/→ at runner/);
    expect(() => make({ window: 0 })).toThrow(/→ at window/);
    expect(() => make({ cl_stf_max_slots: 0 })).toThrow(/→ at cl_stf_max_slots/);
    expect(() => make({ intervalMs: 5 })).toThrow(/intervalMs/);
    expect(() => make({ horizon: -1 })).toThrow(/→ at horizon/);
    // The runner's delays stop doubling at an hour: a longer one would be taken and not kept.
    expect(() => make({ failed_retry_delay_ms: 7_200_000 })).toThrow(
      /^plugin_settings\.checkpoint: ✖ Too big: expected number to be <=3600000\n {2}→ at failed_retry_delay_ms$/,
    );
    expect(make({ failed_retry_delay_ms: 3_600_000 }).settings.failedRetryDelayMs).toBe(3_600_000);
    expect(make({}).settings).toEqual({
      runner: true,
      intervalMs: 5_000,
      window: 4,
      clStfMaxSlots: undefined,
      horizon: 16,
      failedRetries: 5,
      failedRetryDelayMs: 60_000,
    });
  });

  it("the old backend setting is refused, saying where the backend of a proof type is set now", () => {
    expect(
      () => new CheckpointPlugin(cl, new PluginSettings({ checkpoint: { backend: "sp1" } }), consoleLogger),
    ).toThrow(/plugin_settings\.checkpoint[\s\S]*backend[\s\S]*\[kinds\.checkpoint\] backend/);
  });
});
