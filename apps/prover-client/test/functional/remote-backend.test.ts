/**
 * Remote proving, end to end: the prover client with `remote` backends pointing at the reference
 * proving server (@paas/prover-server), against a real devnet — all three proof types remote, a
 * mixed setup, a client killed while its remote job runs, and a cancel that reaches the server.
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import type { TaskRecord } from "@paas/core";
import type { Devnet } from "@paas/devnet";
import { type ProverServer, startProverServer } from "@paas/prover-server";
import { until } from "@paas/testing";
import { HOST_KEY_FILE, HttpRemoteProver, loadOrCreateKeyFile } from "@paas/zkvm";
import SqliteDatabase from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import {
  rpc,
  spawnProverClient,
  startApp,
  stopChild,
  tempDatadir,
  testConfig,
  waitForTask,
} from "../../scenarios/app.js";
import { acceptedCheckpoints, startDevnetTrustingKey } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

const TOKEN = "remote-test-token-0123456789";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

type Submitted = { id: string; created: boolean; task: TaskRecord };

async function setUp(options: { trust?: string[]; workers?: number } = {}) {
  const data = tempDatadir();
  closers.push(async () => data.remove());
  // The client's native key exists before the server starts, so the server can trust it.
  const nativeKey = Buffer.from(
    schnorr.getPublicKey(loadOrCreateKeyFile(path.join(data.dir, HOST_KEY_FILE))),
  ).toString("hex");
  const server: ProverServer = await startProverServer({
    datadir: path.join(data.dir, "server"),
    token: TOKEN,
    workers: options.workers ?? 1,
    trustedPublicKeys: options.trust === undefined ? [] : [nativeKey],
  });
  closers.push(() => server.close());
  const remote = [
    'backends.net.type="remote"',
    `backends.net.url="${server.url}"`,
    `backends.net.token="${TOKEN}"`,
    `backends.net.public_key="${server.publicKey}"`,
    "backends.net.poll_interval_ms=100",
  ];
  return { data, server, nativeKey, remote };
}

async function devnetTrusting(key: string): Promise<Devnet> {
  const devnet = await startDevnetTrustingKey(key);
  closers.push(() => devnet.close());
  return devnet;
}

async function app(config: Parameters<typeof startApp>[0]): Promise<ProverApp> {
  const started = await startApp(config);
  closers.push(() => started.close());
  return started;
}

it("proves a checkpoint with all three proof types on the remote backend, and the CL accepts it", {
  timeout: 180_000,
}, async () => {
  const { data, server, remote } = await setUp();
  const devnet = await devnetTrusting(server.publicKey);
  const accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(1);
  const prover = await app(
    testConfig(data.dir, devnet.url, [
      ...remote,
      'default_backend="net"',
      "plugin_settings.checkpoint.runner=false",
    ]),
  );
  const client = rpc(prover);
  const { id, task } = await client.call<Submitted>("paas_proveCheckpoint", [0]);
  expect(task.backend).toBe("net");
  expect((await waitForTask(client, id, 120_000)).status).toBe("completed");
  expect(accepted.get(0)).toBe(1);
  const tasks = await client.call<{ tasks: TaskRecord[] }>("paas_listTasks", [{}]);
  expect(tasks.tasks.map((t) => [t.kind, t.backend, t.status, typeof t.jobId]).sort()).toEqual([
    ["checkpoint", "net", "completed", "string"],
    ["cl-stf", "net", "completed", "string"],
    ["evm-ee-stf", "net", "completed", "string"],
  ]);
  const prover2 = new HttpRemoteProver({ url: server.url, token: TOKEN });
  for (const t of tasks.tasks) expect(await prover2.status(t.jobId!)).toMatchObject({ state: "succeeded" });
});

it("proves a checkpoint in a mixed setup: EVM EE STF remote, the others native", {
  timeout: 180_000,
}, async () => {
  const { data, remote, nativeKey } = await setUp();
  const devnet = await devnetTrusting(nativeKey);
  const accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(1);
  const prover = await app(
    testConfig(data.dir, devnet.url, [
      ...remote,
      "backends.native.workers=2",
      'kinds.evm-ee-stf.backend="net"',
      "plugin_settings.checkpoint.runner=false",
    ]),
  );
  const client = rpc(prover);
  const { id } = await client.call<Submitted>("paas_proveCheckpoint", [0]);
  expect((await waitForTask(client, id, 120_000)).status).toBe("completed");
  expect(accepted.get(0)).toBe(1);
  const byKind = (await client.call<{ tasks: TaskRecord[] }>("paas_listTasks", [{}])).tasks.map((t) => [
    t.kind,
    t.backend,
  ]);
  expect(byKind.sort()).toEqual([
    ["checkpoint", "native"],
    ["cl-stf", "native"],
    ["evm-ee-stf", "net"],
  ]);
  // Named by context without a backend, a task is looked up and submitted on its kind's backend.
  const { tasks } = await client.call<{ tasks: TaskRecord[] }>("paas_listTasks", [{ kind: "evm-ee-stf" }]);
  const context = tasks[0]!.taskId.context;
  const found = await client.call<TaskRecord>("paas_getTaskStatus", [{ context }]);
  expect(found).toMatchObject({ id: tasks[0]!.id, backend: "net", status: "completed" });
  const again = await client.call<Submitted>("paas_submitTask", [context]);
  expect(again).toMatchObject({ id: tasks[0]!.id, created: false });
});

it("a cancelled task cancels its remote job on the server", { timeout: 120_000 }, async () => {
  const { data, server, remote, nativeKey } = await setUp({ workers: 1 });
  const devnet = await devnetTrusting(nativeKey);
  await devnet.chain.produceEpochs(4);
  const prover = await app(
    testConfig(data.dir, devnet.url, [
      ...remote,
      "backends.native.workers=1",
      "plugin_settings.checkpoint.runner=false",
    ]),
  );
  const client = rpc(prover);
  // The server has one worker: the first range keeps it busy, so the second job waits queued there.
  const busy = await client.call<Submitted>("paas_proveElBlocks", [1, 12, "net"]);
  const queued = await client.call<Submitted>("paas_proveElBlocks", [13, 14, "net"]);
  let jobId: string | undefined;
  await until(async () => {
    jobId = (await client.call<TaskRecord>("paas_getTaskStatus", [queued.id])).jobId;
    return jobId !== undefined;
  }, "the second task's remote job");
  await client.call("paas_cancelTask", [queued.id]);
  const onServer = new HttpRemoteProver({ url: server.url, token: TOKEN });
  await until(async () => (await onServer.status(jobId!)).state === "cancelled", "the remote job cancelled");
  expect((await waitForTask(client, busy.id, 90_000)).status).toBe("completed");
});

it("after a SIGKILL while its remote job runs, the restarted client polls the same job, proven once", {
  timeout: 240_000,
}, async () => {
  const { data, server, remote, nativeKey } = await setUp();
  const devnet = await devnetTrusting(nativeKey);
  const accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(2);
  const settings = [
    ...remote,
    "backends.native.workers=2",
    'kinds.evm-ee-stf.backend="net"',
    "plugin_settings.checkpoint.interval_ms=100",
    "retry.base_delay_ms=100",
    "retry.max_delay_ms=500",
  ];
  let child = startClient(data.dir, devnet.url, settings);
  const database = path.join(data.dir, "paas.sqlite");
  const recordedJobs = () => {
    const db = new SqliteDatabase(database, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("select id, job_id from tasks where job_id is not null").all() as {
        id: string;
        job_id: string;
      }[];
    } finally {
      db.close();
    }
  };
  await until(
    () => {
      try {
        return recordedJobs().length > 0;
      } catch {
        return false;
      }
    },
    "a remote job recorded",
    120_000,
  );
  await stopChild(child, "SIGKILL");
  const before = recordedJobs();

  child = startClient(data.dir, devnet.url, settings);
  await until(() => accepted.has(0) && accepted.has(1), "checkpoints 0 and 1 accepted", 180_000);
  await stopChild(child, "SIGTERM");
  const after = new Map(recordedJobs().map((r) => [r.id, r.job_id]));
  // The job recorded before the kill is still the task's job: the restart polled it.
  for (const { id, job_id } of before) expect(after.get(id)).toBe(job_id);
  const onServer = new HttpRemoteProver({ url: server.url, token: TOKEN });
  for (const jobId of after.values()) {
    expect(await onServer.status(jobId)).toMatchObject({ state: "succeeded" });
  }
  // One job per EVM task on the server: nothing proven twice.
  expect(new Set(after.values()).size).toBe(after.size);
  for (let i = 0; i <= 1; i++) expect(accepted.get(i)).toBe(1);
});

function startClient(datadir: string, nodeUrl: string, settings: readonly string[]): ChildProcess {
  const child = spawnProverClient(datadir, nodeUrl, settings, ["ignore", "ignore", "inherit"]);
  closers.push(() => stopChild(child, "SIGKILL"));
  return child;
}
