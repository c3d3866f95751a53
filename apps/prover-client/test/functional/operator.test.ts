/**
 * What an operator does beyond one task, against a real devnet, the app's fastify server on
 * loopback and its SQLite file: the live event stream, a task's attempts and dependency graph, the
 * overview, readiness through a CL outage, bulk retry and cancel by filter (RPC and CLI), and
 * prune shrinking the database (CLI).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { BulkResult, PruneResult, TaskAttempt, TaskGraph, TaskRecord } from "@paas/core";
import { type Devnet, proverPublicKeyFromKeyFile } from "@paas/devnet";
import { CHECKPOINT } from "@paas/rollup";
import { HOST_KEY_FILE, programIdOf, receiptFromJson, verifyReceipt } from "@paas/zkvm";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CLI_TEST_TIMEOUT_MS,
  captureLogger,
  type LogLine,
  rpc,
  runCli,
  startApp,
  tempDatadir,
  testConfig,
  waitForTask,
} from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";
import type { Overview } from "../../src/overview/overview.js";

const TOKEN = "an-operator-token-0123456789";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;
let logLines: () => LogLine[];
/** The info lines of state-changing calls (`RPC action`) written since `from`. */
const actionsSince = (from: number) =>
  logLines()
    .slice(from)
    .filter((line) => line.msg === "RPC action");

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  await devnet.chain.produceEpochs(1);
  const log = captureLogger();
  logLines = log.lines;
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.runner=false",
      `rpc.auth_token="${TOKEN}"`,
    ]),
    log.logger,
  );
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

async function call<T>(
  method: string,
  params: unknown,
  token?: string,
): Promise<{ result?: T; error?: { code: number; message: string } }> {
  const response = await fetch(app.rpcUrl!, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await response.json()) as { result?: T; error?: { code: number; message: string } };
}

const paas = (...args: string[]) => runCli(app.rpcUrl!, args);

interface ServerEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/**
 * Subscribes to /events; the subscriber is registered once the answer's headers arrive. `until`
 * collects events until `enough` says so.
 */
async function subscribe(): Promise<{
  until: (enough: (events: readonly ServerEvent[]) => boolean) => Promise<ServerEvent[]>;
}> {
  const response = await fetch(new URL("/events", app.rpcUrl));
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  return {
    async until(enough) {
      const events: ServerEvent[] = [];
      let buffer = "";
      while (!enough(events)) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the event stream ended");
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const json = /^data: (.*)$/m.exec(frame)?.[1];
          if (event !== undefined && json !== undefined) events.push({ event, data: JSON.parse(json) });
        }
      }
      await reader.cancel();
      return events;
    },
  };
}

let checkpointId: string;

it("streams task transitions and the overview while a checkpoint is proven", {
  timeout: 90_000,
}, async () => {
  const stream = await subscribe();
  const from = logLines().length;
  const submitted = await call<{ id: string }>("paas_proveCheckpoint", [0], TOKEN);
  checkpointId = submitted.result!.id;
  const events = await stream.until(
    (seen) =>
      seen.some((e) => e.event === "overview") &&
      seen.some((e) => e.event === "task" && e.data.kind === "checkpoint" && e.data.status === "completed"),
  );
  expect(events.find((e) => e.event === "overview")).toMatchObject({ data: { tasks: expect.any(Object) } });
  const mine = events
    .filter((e) => e.event === "task" && e.data.id === checkpointId)
    .map((e) => e.data.status);
  expect(mine).toEqual(
    expect.arrayContaining(["pending", "blocked", "queued", "proving", "publishing", "completed"]),
  );
  expect(events.filter((e) => e.event === "task").map((e) => e.data.kind)).toEqual(
    expect.arrayContaining(["evm-ee-stf", "cl-stf", "checkpoint"]),
  );
  // A plugin's state-changing method is an action like the app's own.
  expect(actionsSince(from)).toEqual([
    expect.objectContaining({
      level: 30,
      method: "paas_proveCheckpoint",
      kind: "checkpoint",
      params: [0],
      task: checkpointId,
      created: true,
      remoteAddress: "127.0.0.1",
    }),
  ]);
});

it("shows a task's attempts, its dependency graph and the overview", { timeout: 30_000 }, async () => {
  const status = await call<TaskRecord & { attempts: TaskAttempt[] }>("paas_getTaskStatus", [checkpointId]);
  expect(status.result!.status).toBe("completed");
  expect(status.result!.attempts.map((a) => [a.phase, a.outcome])).toEqual([
    ["resolve", "resolved"],
    ["prove", "proven"],
    ["publish", "published"],
  ]);
  for (const attempt of status.result!.attempts) {
    expect(attempt.endedAt).toBeGreaterThanOrEqual(attempt.startedAt);
    expect(attempt.instance).toEqual(expect.any(String));
  }

  const graph = (await call<TaskGraph>("paas_getTaskGraph", { id: checkpointId })).result!;
  expect(graph.root).toBe(checkpointId);
  expect(new Set(graph.nodes.map((n) => n.kind))).toEqual(new Set(["checkpoint", "cl-stf", "evm-ee-stf"]));
  expect(graph.nodes.every((n) => n.status === "completed")).toBe(true);
  const ids = new Set(graph.nodes.map((n) => n.id));
  expect(graph.edges.length).toBeGreaterThanOrEqual(2);
  for (const edge of graph.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
  expect(graph.edges.some((e) => e.from === checkpointId)).toBe(true);

  const overview = (await call<Overview>("paas_getOverview", [])).result!;
  expect(overview.tasks.byKind.checkpoint).toEqual({ completed: 1 });
  expect(overview.throughputPerMinute).toBeGreaterThanOrEqual(graph.nodes.length);
  expect(overview.provingDurations.checkpoint!.samples).toBe(1);
  expect(overview.instances).toHaveLength(1);
  expect(overview.checkpoints).toContainEqual({
    index: 0,
    id: checkpointId,
    status: "completed",
    treeStatus: { completed: graph.nodes.length },
    accepted: true,
    lagBehindLatest: (devnet.chain.latestCheckpointIndex ?? 0) - 0,
  });

  const shown = await paas("status", checkpointId);
  expect(shown.stdout).toMatch(/\nattempts:\n#\s+phase\s+outcome/);
  expect(shown.stdout).toMatch(/\n3\s+publish\s+published\s+/);
});

it("is ready while the database and nodes answer, and says which does not", { timeout: 30_000 }, async () => {
  const ready = await fetch(new URL("/ready", app.rpcUrl));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({
    ready: true,
    checks: { database: { ok: true }, cl: { ok: true }, el: { ok: true } },
  });
  devnet.faults.pauseCl();
  try {
    const down = await fetch(new URL("/ready", app.rpcUrl));
    expect(down.status).toBe(503);
    const body = (await down.json()) as { ready: boolean; reasons: string[] };
    expect(body.ready).toBe(false);
    expect(body.reasons).toHaveLength(1);
    expect(body.reasons[0]).toMatch(/^cl: /);
  } finally {
    devnet.faults.resumeCl();
  }
  expect((await fetch(new URL("/ready", app.rpcUrl))).status).toBe(200);
});

it("retries and cancels by filter over RPC and from the CLI, behind the token", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const from = logLines().length;
  // A checkpoint two epochs ahead: admitted, and waiting for its epoch, so it stays unfinished.
  const ahead = (devnet.chain.latestCheckpointIndex ?? 0) + 2;
  const waiting = (
    await call<{ id: string }>("paas_submitTask", [{ kind: "checkpoint", index: ahead }], TOKEN)
  ).result!.id;

  const noToken = await call("paas_cancelTasks", [{ kind: "checkpoint" }]);
  expect(noToken.error).toMatchObject({
    code: -32001,
    message: expect.stringContaining("requires a bearer token"),
  });
  const wrongToken = await call("paas_retryTasks", [{ kind: "checkpoint" }], "not-the-token");
  expect(wrongToken.error).toMatchObject({
    code: -32001,
    message: expect.stringContaining("does not match"),
  });
  const everything = await call("paas_cancelTasks", [{}], TOKEN);
  expect(everything.error).toMatchObject({
    code: -32602,
    message: expect.stringContaining("at least one of kind"),
  });

  // The completed checkpoint is not taken: a cancel takes unfinished tasks only.
  expect((await call<BulkResult>("paas_cancelTasks", [{ kind: "checkpoint" }], TOKEN)).result).toEqual({
    matched: 1,
    changed: 1,
  });
  expect(
    (await call<BulkResult>("paas_retryTasks", { kind: "checkpoint", status: "cancelled" }, TOKEN)).result,
  ).toEqual({
    matched: 1,
    changed: 1,
  });
  expect((await rpc(app).call<TaskRecord>("paas_getTaskStatus", [waiting])).status).not.toBe("cancelled");

  const refused = await paas("cancel", "--kind", "checkpoint");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("requires a bearer token");
  const cancelled = await paas("cancel", "--kind", "checkpoint", "--older-than", "0s", "--token", TOKEN);
  expect(cancelled.stdout).toBe("cancelled 1 of 1 matching task\n");
  const retried = await paas("retry", "--kind", "checkpoint", "--status", "cancelled", "--token", TOKEN);
  expect(retried.stdout).toBe("retried 1 of 1 matching task\n");
  const ambiguous = await paas("retry", waiting, "--kind", "checkpoint");
  expect(ambiguous.stderr).toContain("give a task or filters (--kind, --status, …), not both");
  const listed = await paas("list", "--kind", "checkpoint", "--older-than", "0s");
  expect(listed.stdout).toContain(waiting);
  const none = await paas("list", "--kind", "checkpoint", "--older-than", "1h");
  expect(none.stdout).toBe("no tasks\n");
  const badAge = await paas("retry", "--older-than", "a week");
  expect(badAge.stderr).toContain('--older-than: "a week" is not a duration');

  // One task: only a failed or cancelled one can be retried.
  await paas("cancel", waiting, "--token", TOKEN);
  const notFailed = await call("paas_retryTask", [checkpointId], TOKEN);
  expect(notFailed.error).toMatchObject({ code: -32016, message: expect.stringContaining("is completed") });
  const one = await call<{ id: string; task: TaskRecord }>("paas_retryTask", { id: waiting }, TOKEN);
  expect(one.result!.task.status).not.toBe("cancelled");
  await call("paas_cancelTask", [waiting], TOKEN);
  expect((await waitForTask(rpc(app), waiting)).status).toBe("cancelled");

  // One info line per action that changed something, bulk ones included, with where it came from;
  // the refused calls (no token, a wrong one, an empty filter, a retry of a completed task) none.
  const from127 = { remoteAddress: "127.0.0.1" };
  const cancelledOne = { task: waiting, kind: "checkpoint", status: "cancelled", ...from127 };
  expect(actionsSince(from).map(({ time, pid, hostname, ...line }) => line)).toEqual([
    {
      level: 30,
      msg: "RPC action",
      method: "paas_submitTask",
      task: waiting,
      kind: "checkpoint",
      backend: "native",
      created: true,
      ...from127,
    },
    ...[
      { method: "paas_cancelTasks", filter: { kind: "checkpoint" }, matched: 1, changed: 1 },
      {
        method: "paas_retryTasks",
        filter: { kind: "checkpoint", status: "cancelled" },
        matched: 1,
        changed: 1,
      },
      { method: "paas_cancelTasks", filter: { kind: "checkpoint", olderThanMs: 0 }, matched: 1, changed: 1 },
      {
        method: "paas_retryTasks",
        filter: { kind: "checkpoint", status: "cancelled" },
        matched: 1,
        changed: 1,
      },
    ].map((action) => ({ level: 30, msg: "RPC action", ...action, ...from127 })),
    { level: 30, msg: "RPC action", method: "paas_cancelTask", ...cancelledOne },
    expect.objectContaining({ method: "paas_retryTask", task: waiting, kind: "checkpoint", ...from127 }),
    { level: 30, msg: "RPC action", method: "paas_cancelTask", ...cancelledOne },
  ]);
  // The token is never written.
  expect(JSON.stringify(logLines())).not.toContain(TOKEN);
});

it("refuses a prune told both to export the receipts and to delete them unexported", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const exportDir = path.join(data.dir, "both");
  const total = async () => (await call<{ total: number }>("paas_getReport", [])).result!.total;
  const before = await total();
  const both = await paas(
    "prune",
    "--older-than",
    "0s",
    "--export-dir",
    exportDir,
    "--delete-receipts",
    "--token",
    TOKEN,
  );
  expect(both.code).toBe(1);
  expect(both.stderr).toContain("option '--delete-receipts' cannot be used with option '--export-dir <dir>'");
  const refused = await call("paas_prune", { olderThanMs: 0, exportDir, deleteReceipts: true }, TOKEN);
  expect(refused.error).toMatchObject({
    code: -32602,
    message: expect.stringContaining("give exportDir or deleteReceipts, not both"),
  });
  // Nothing was pruned, nothing exported.
  expect(await total()).toBe(before);
  expect(existsSync(exportDir)).toBe(false);
});

it("prunes finished tasks from the CLI, exporting their receipts, and the file shrinks with --compact", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const database = path.join(data.dir, "paas.sqlite");
  const onDisk = () =>
    readdirSync(data.dir)
      .filter((f) => f.startsWith("paas.sqlite") && !f.endsWith(".lock"))
      .reduce((sum, f) => sum + statSync(path.join(data.dir, f)).size, 0);
  const before = onDisk();
  const served = (await call("paas_getProof", [checkpointId])).result;
  // A directory that cannot take the export is the caller's mistake, refused before any deletion.
  const refused = await call(
    "paas_prune",
    { olderThanMs: 0, exportDir: path.join(data.dir, "no", "such", "place") },
    TOKEN,
  );
  expect(refused.error).toMatchObject({
    code: -32602,
    message: expect.stringMatching(/cannot be created \(ENOENT\); its parent directory must exist$/),
  });
  const exportDir = path.join(data.dir, "exported");
  const pruned = await paas(
    "prune",
    "--older-than",
    "0s",
    "--export-dir",
    exportDir,
    "--compact",
    "--token",
    TOKEN,
    "--json",
  );
  const result = JSON.parse(pruned.stdout) as PruneResult;
  // The checkpoint's tree and the cancelled one: nothing unfinished depends on them.
  expect(result.tasks).toBeGreaterThanOrEqual(4);
  expect(result.receiptsExported).toBeGreaterThanOrEqual(3);
  expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
  expect(onDisk()).toBeLessThan(before);
  expect(statSync(database).size).toBeGreaterThan(0);
  expect(readdirSync(exportDir)).toContain("receipts.jsonl");
  // The exported receipt is the one `paas_getProof` answered, and a third party can verify it.
  const lines = readFileSync(path.join(exportDir, "receipts.jsonl"), "utf8").trim().split("\n");
  const exported = lines.map((line) => JSON.parse(line)).find((line) => line.task === checkpointId);
  expect(exported.receipt).toEqual(served);
  verifyReceipt(receiptFromJson(exported.receipt), {
    ...CHECKPOINT.program,
    programId: programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version),
    publicKey: proverPublicKeyFromKeyFile(path.join(data.dir, HOST_KEY_FILE)),
  });
  // Pruned, the task is gone with its receipt: fetching it says so.
  expect((await call("paas_getProof", [checkpointId])).error).toMatchObject({ code: -32010 });

  // The prune in the log: its options (where the receipts went) and what it removed.
  expect(actionsSince(0).filter((line) => line.method === "paas_prune")).toEqual([
    expect.objectContaining({
      level: 30,
      olderThanMs: 0,
      exportDir,
      compact: true,
      tasks: result.tasks,
      receiptsExported: result.receiptsExported,
      bytesBefore: result.bytesBefore,
      bytesAfter: result.bytesAfter,
      remoteAddress: "127.0.0.1",
    }),
  ]);

  const unsaid = await paas("prune", "--older-than", "7d", "--token", TOKEN);
  expect(unsaid.code).not.toBe(0);
  expect(unsaid.stderr).toContain("say --export-dir <dir> to keep them in a file, or --delete-receipts");
  const again = await paas("prune", "--older-than", "7d", "--delete-receipts", "--token", TOKEN);
  expect(again.stdout).toMatch(
    /^pruned 0 tasks\ndatabase: [\d.]+ (B|KiB|MiB) before, [\d.]+ (B|KiB|MiB) after \(the freed space is kept for new tasks; --compact gives it back\)\n$/,
  );
  expect((await call("paas_getTaskStatus", [checkpointId])).error).toMatchObject({ code: -32010 });
});
