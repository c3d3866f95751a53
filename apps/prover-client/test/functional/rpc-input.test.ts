/**
 * Bad JSON-RPC input is answered with JSON-RPC errors that say what is wrong, never a stack
 * trace, while proving carries on.
 */
import type { Devnet } from "@paas/devnet";
import type { JsonRpcClient } from "@paas/jsonrpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger, rpc, startApp, tempDatadir, testConfig, waitForTask } from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;
let client: JsonRpcClient;
const log = captureLogger();

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  await devnet.chain.produceEpochs(2);
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.runner=false",
      "rpc.max_body_bytes=4096",
      'rpc.auth_token="a-long-enough-secret-token"',
    ]),
    log.logger,
  );
  client = rpc(app);
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(app.rpcUrl!, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

const call = (method: string, params: unknown, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });

describe("JSON-RPC input validation", () => {
  it("answers every kind of bad input with a JSON-RPC error while a proof is running", async () => {
    const auth = { Authorization: "Bearer a-long-enough-secret-token" };
    const submitted = await post(call("paas_proveCheckpoint", [0]), auth);
    const id = submitted.json.result.id as string;

    const malformed = await post("{ not json");
    expect(malformed.json.error.code).toBe(-32700);

    const unknown = await post(call("paas_doSomething", []));
    expect(unknown.json.error).toMatchObject({ code: -32601 });
    expect(unknown.json.error.message).toContain("paas_doSomething");

    const wrongType = await post(call("paas_getTaskStatus", [42]));
    expect(wrongType.json.error.code).toBe(-32602);
    expect(wrongType.json.error.message).toMatch(/params\[0\]/);

    const badKey = await post(call("paas_getTaskStatus", ["not-a-key"]));
    expect(badKey.json.error.code).toBe(-32602);

    const unknownTask = await post(call("paas_getTaskStatus", ["0".repeat(32)]));
    expect(unknownTask.json.error.message).toMatch(/not found/);
    expect(unknownTask.json.error.data).toMatchObject({ paasCode: "TASK_NOT_FOUND" });

    const unknownKind = await post(call("paas_submitTask", [{ kind: "mystery" }]), auth);
    expect(unknownKind.json.error.data).toMatchObject({ paasCode: "UNKNOWN_KIND" });

    // As a filter too: an unknown kind is named, not answered with an empty page or "0 of 0".
    for (const [method, filter] of [
      ["paas_listTasks", { kind: "mystery" }],
      ["paas_listTasks", { kind: "mystery", status: "completed", limit: 5 }],
      ["paas_cancelTasks", { kind: "mystery" }],
      ["paas_retryTasks", { kind: "mystery", status: "cancelled" }],
    ] as const) {
      const answer = await post(call(method, [filter]), auth);
      expect(answer.json.error, method).toMatchObject({
        code: -32012,
        message: expect.stringMatching(/no plugin registered for kind "mystery" \(registered: .*checkpoint/),
        data: { paasCode: "UNKNOWN_KIND" },
      });
    }
    for (const [method, filter] of [
      ["paas_listTasks", { backend: "sp1" }],
      ["paas_cancelTasks", { kind: "checkpoint", backend: "sp1" }],
      ["paas_retryTasks", { backend: "sp1", status: "cancelled" }],
    ] as const) {
      const answer = await post(call(method, [filter]), auth);
      expect(answer.json.error, method).toMatchObject({
        code: -32013,
        message: 'backend "sp1" is not configured (configured: native)',
        data: { paasCode: "UNKNOWN_BACKEND" },
      });
    }
    const knownBackend = await post(call("paas_listTasks", [{ backend: "native" }]));
    expect(knownBackend.json.result.tasks.map((t: { id: string }) => t.id)).toContain(id);
    const knownKind = await post(call("paas_listTasks", [{ kind: "checkpoint" }]));
    expect(knownKind.json.result.tasks.map((t: { id: string }) => t.id)).toEqual([id]);

    const unknownBackend = await post(
      call("paas_submitTask", [{ kind: "checkpoint", index: 0 }, "sp1"]),
      auth,
    );
    expect(unknownBackend.json.error.data).toMatchObject({ paasCode: "UNKNOWN_BACKEND" });

    const badContext = await post(call("paas_submitTask", [{ kind: "checkpoint", index: -1 }]), auth);
    expect(badContext.json.error.data).toMatchObject({ paasCode: "INVALID_CONTEXT" });
    // Named by an invalid context, a task is not "not found": the context is said to be invalid.
    const badLookup = await post(
      call("paas_getTaskStatus", [{ context: { kind: "checkpoint", index: "x" } }]),
    );
    expect(badLookup.json.error).toMatchObject({ code: -32014, data: { paasCode: "INVALID_CONTEXT" } });
    // Named params the method does not take are refused, not dropped.
    const strayName = await post(call("paas_getTaskGraph", { id, nonsense: 1 }));
    expect(strayName.json.error).toMatchObject({
      code: -32602,
      message: expect.stringContaining('unknown named param "nonsense"; this method takes id'),
    });
    const strayOnNone = await post(call("paas_getOverview", { nonsense: 1 }));
    expect(strayOnNone.json.error.message).toContain(
      'unknown named param "nonsense"; this method takes none',
    );

    // A context nested deeper than any needs is refused at the boundary (deeper still, it overflowed the stack).
    const deep = `{"kind":"checkpoint","a":${"[".repeat(1_500)}1${"]".repeat(1_500)}}`;
    const tooDeep = await post(
      `{"jsonrpc":"2.0","id":1,"method":"paas_getTaskStatus","params":[{"context":${deep}}]}`,
    );
    expect(tooDeep.json.error).toMatchObject({
      code: -32014,
      message: expect.stringMatching(/nests deeper than 32 levels$/),
      data: { paasCode: "INVALID_CONTEXT" },
    });

    const badRange = await post(call("paas_proveElBlocks", [9, 3]), auth);
    expect(badRange.json.error.code).toBe(-32602);

    const oversized = await post(call("paas_getReport", ["x".repeat(10_000)]));
    expect(oversized.status).toBe(413);

    const noToken = await post(call("paas_cancelTask", [id]));
    expect(noToken.json.error.code).toBe(-32001);
    expect(noToken.json.error.message).toContain("requires a bearer token");
    const wrongToken = await post(call("paas_cancelTask", [id]), { Authorization: "Bearer not-the-token" });
    expect(wrongToken.json.error).toMatchObject({
      code: -32001,
      message: expect.stringContaining("does not match"),
    });

    // A task named by its context: the backend defaults to the default one; what is wrong is named.
    const byContext = await post(call("paas_getTaskStatus", [{ context: { kind: "checkpoint", index: 0 } }]));
    expect(byContext.json.result).toMatchObject({ id, taskId: { backend: "native" } });
    const notATask = await post(call("paas_getTaskStatus", [{ kontext: {} }]));
    expect(notATask.json.error.code).toBe(-32602);
    expect(notATask.json.error.message).toContain("task key (32 lower-case hex digits)");
    expect(notATask.json.error.message).not.toMatch(/^params\[0\]: Invalid input$/);
    const unknownKindByContext = await post(call("paas_getTaskStatus", [{ context: { kind: "mystery" } }]));
    expect(unknownKindByContext.json.error).toMatchObject({
      code: -32012,
      data: { paasCode: "UNKNOWN_KIND" },
    });
    const unknownBackendByContext = await post(
      call("paas_getProof", [{ context: { kind: "checkpoint", index: 0 }, backend: "sp1" }]),
    );
    expect(unknownBackendByContext.json.error.code).toBe(-32013);

    const batch = await post(`[${call("paas_getReport", [], 1)},${call("nope", [], 2)}]`);
    expect(batch.json.map((r: { id: number }) => r.id).sort()).toEqual([1, 2]);

    for (const response of [
      malformed,
      unknown,
      wrongType,
      unknownTask,
      badContext,
      oversized,
      noToken,
      batch,
    ]) {
      expect(response.text).not.toMatch(/\n\s+at |\.ts:\d+/);
    }

    // Proving carried on through all of it.
    expect((await waitForTask(client, id)).status).toBe("completed");

    // Every refusal above was the caller's mistake: logged at debug, without a stack.
    const refusals = log.lines().filter((line) => line.msg === "RPC call refused");
    expect(refusals.length).toBeGreaterThanOrEqual(10);
    expect(refusals.map((line) => line.code)).toEqual(
      expect.arrayContaining([-32601, -32602, -32010, -32001, -32012]),
    );
    for (const line of refusals) {
      expect(line.level).toBe(20);
      expect(JSON.stringify(line)).not.toMatch(/\n\s+at /);
    }
    expect(log.lines().filter((line) => line.level >= 50)).toEqual([]);
  });

  it("refuses every method that changes state, the plugins' too, without the token, running none", async () => {
    const tasks = async () =>
      (await post(call("paas_listTasks", []))).json.result.tasks.map((t: { id: string; status: string }) => [
        t.id,
        t.status,
      ]);
    const before = await tasks();
    expect(before.length).toBeGreaterThan(0);
    const id = before[0][0] as string;
    for (const [method, params] of [
      ["paas_submitTask", [{ kind: "checkpoint", index: 1 }]],
      ["paas_cancelTask", [id]],
      ["paas_retryTask", [id]],
      ["paas_cancelTasks", [{ olderThanMs: 0 }]],
      ["paas_retryTasks", [{ olderThanMs: 0 }]],
      ["paas_prune", [{ olderThanMs: 0, deleteReceipts: true }]],
      ["paas_proveCheckpoint", [1]],
      ["paas_proveLatestCheckpoint", []],
      ["paas_proveClBlocks", [1, 2]],
      ["paas_proveElBlocks", [1, 2]],
    ] as const) {
      for (const headers of [{}, { Authorization: "Bearer not-the-token" }] as Record<string, string>[]) {
        const answer = await post(call(method, params), headers);
        expect(answer.json.error?.code, `${method} ${JSON.stringify(headers)}`).toBe(-32001);
      }
    }
    expect(await tasks()).toEqual(before);
  });

  it("answers /health with ok", async () => {
    const health = await fetch(new URL("/health", app.rpcUrl));
    expect(health.status).toBe(200);
    expect((await health.text()).trim()).toBe("ok");
  });
});
