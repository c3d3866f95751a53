/**
 * The prover client against a real devnet over real HTTP, as an operator drives it: prove the
 * latest checkpoint, a checkpoint by index, a range of CL blocks, and EL blocks carrying every
 * transaction kind the devnet generates. The checkpoint runner is off here (see runner.test.ts).
 */
import type { TaskRecord } from "@paas/core";
import { WORKLOAD_KINDS } from "@paas/devchain";
import type { Devnet } from "@paas/devnet";
import type { JsonRpcClient } from "@paas/jsonrpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, startApp, tempDatadir, testConfig, waitForTask } from "../../scenarios/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;
let client: JsonRpcClient;
let accepted: Map<number, number>;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(3);
  app = await startApp(testConfig(data.dir, devnet.url, ["plugin_settings.checkpoint.runner=false"]));
  client = rpc(app);
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

type Submitted = { id: string; created: boolean; task: TaskRecord };

describe("proving through the JSON-RPC API", () => {
  it("proves the latest checkpoint, and the CL accepts it", async () => {
    const latest = devnet.chain.latestCheckpointIndex!;
    const { id, task } = await client.call<Submitted>("paas_proveLatestCheckpoint", []);
    expect(task.taskId.context).toEqual({ kind: "checkpoint", index: latest });
    expect((await waitForTask(client, id)).status).toBe("completed");
    expect(devnet.chain.getCheckpointStatus(latest).status).toBe("proven");
    expect(accepted.get(latest)).toBe(1);
    // Its dependencies were proven on the way, through the scheduler.
    const deps = await client.call<{ tasks: TaskRecord[] }>("paas_listTasks", [{ kind: "cl-stf" }]);
    expect(deps.tasks.map((t) => t.status)).toEqual(["completed"]);
  });

  it("proves a checkpoint by index, and the receipt verifies as the CL's transition", async () => {
    const { id } = await client.call<Submitted>("paas_proveCheckpoint", [0]);
    expect((await waitForTask(client, id)).status).toBe("completed");
    expect(devnet.chain.getCheckpointStatus(0).status).toBe("proven");
    const receipt = await client.call<{ publicValues: string; metadata: { zkvm: string } }>("paas_getProof", [
      id,
    ]);
    expect(receipt.metadata.zkvm).toBe("native");
    expect(receipt.publicValues.length).toBeGreaterThan(2);
  });

  it("dispatches a range of CL blocks with its EVM EE dependency", async () => {
    const result = await client.call<Submitted & { dependencies: Submitted[] }>("paas_proveClBlocks", [5, 8]);
    expect(result.task.kind).toBe("cl-stf");
    expect(result.dependencies.map((d) => d.task.kind)).toEqual(["evm-ee-stf"]);
    expect((await waitForTask(client, result.id)).status).toBe("completed");
    expect((await waitForTask(client, result.dependencies[0]!.id)).status).toBe("completed");
  });

  it("proves EL blocks carrying every transaction kind the devnet generates", async () => {
    const produced = devnet.chain.producedBlocks;
    const kinds = new Set(produced.slice(0, 6).flatMap((b) => b.kinds));
    expect([...WORKLOAD_KINDS].filter((k) => !kinds.has(k))).toEqual([]);
    const { id } = await client.call<Submitted>("paas_proveElBlocks", [1, 6]);
    const done = await waitForTask(client, id);
    expect(done.status).toBe("completed");
    expect(done.taskId.context).toMatchObject({
      kind: "evm-ee-stf",
      start: { number: 1 },
      end: { number: 6 },
    });
  });

  it("reports tasks by status and what each proof type knows", async () => {
    const report = await client.call<{ total: number; kinds: string[]; plugins: Record<string, unknown> }>(
      "paas_getReport",
      [],
    );
    expect(report.kinds).toEqual(["checkpoint", "cl-stf", "evm-ee-stf"]);
    expect(report.total).toBeGreaterThanOrEqual(6);
    expect(Object.keys(report.plugins)).toEqual(expect.arrayContaining(["checkpoint", "evm-ee-stf"]));
    const metrics = await fetch(new URL("/metrics", app.rpcUrl)).then((r) => r.text());
    expect(metrics).toMatch(/paas_tasks\{kind="checkpoint",backend="native",status="completed"\} [1-9]/);
    expect(metrics).toMatch(
      /paas_proving_duration_seconds_count\{kind="evm-ee-stf",backend="native",outcome="completed"\}/,
    );
    // The checkpoint runner may be proving: the busy slots are 0 to 2 of the 2 native workers.
    expect(metrics).toMatch(/paas_proving_slots\{backend="native",state="busy"\} [0-2]\n/);
    expect(metrics).toMatch(/paas_proving_slots\{backend="native",state="capacity"\} 2\n/);
    expect(metrics).toMatch(/paas_prefetched_inputs\{backend="native"\} [0-2]\n/);
    // Failure counters exist at 0 before any failure, so an alert's increase() sees the first one.
    expect(metrics).toContain('paas_task_failures_total{kind="cl-stf",backend="native",phase="publish"} 0\n');
    expect(metrics).toContain(
      'paas_task_retries_total{kind="evm-ee-stf",backend="native",phase="publish"} 0\n',
    );
  });
});
