/**
 * A kind's prove timeout against a busy server: it bounds how long a proof runs, so a job waiting
 * in the server's queue behind other work must not be timed out (cancelled, and sent again to the
 * back of the queue) before it ran at all.
 */
import { writeFileSync } from "node:fs";
import { type ProverService, ProverServiceBuilder } from "@paas/core";
import { HttpRemoteProver } from "@paas/zkvm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { GatedPlugin } from "./fixtures/gated-plugin.js";
import { SumPlugin } from "./fixtures/test-plugin.js";
import {
  remoteHostOf,
  startGatedJob,
  startsIn,
  startTestServer,
  type TempDir,
  TOKEN,
  tempDir,
  waitFor,
  waitForJob,
} from "./helpers.js";

let data: TempDir;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  data = tempDir();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  data.remove();
});

/** The server, with another client's long job holding its one worker; and a service proving on it. */
async function busyServer() {
  const server = await startTestServer(data.file("server"));
  closers.push(() => server.close());
  const other = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const busy = await startGatedJob(other, data, "another-client");
  const service: ProverService = await new ProverServiceBuilder({
    database: { path: data.file("tasks.sqlite") },
    kinds: {
      "server-test-sum": { proveTimeoutMs: 1_500 },
      "server-test-gated": { proveTimeoutMs: 1_500 },
    },
    // A timeout fails the task for good: the one attempt must be enough.
    retry: { maxRetries: 0 },
  })
    .host(remoteHostOf(server))
    .register(SumPlugin)
    .register(GatedPlugin)
    .launch();
  closers.push(() => service.close());
  /** Lets the other client's job finish, freeing the worker. */
  const free = async () => {
    writeFileSync(busy.gate, "");
    await waitForJob(server.url, busy.jobId, ["succeeded"]);
  };
  return { server, service, free };
}

it("does not count against the prove timeout the time a job waits queued on the server", {
  timeout: 60_000,
}, async () => {
  const { service, free } = await busyServer();
  const { task } = await service.submit({ kind: "server-test-sum" }, "prover-net");
  // Queued on the server for twice the timeout, then it runs (a sum takes milliseconds).
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await free();
  const done = await service.wait(task.id, { timeoutMs: 20_000 });
  // Its error, if any, shows in the failure: a timeout says it was stopped.
  expect("error" in done ? done.error : undefined).toBeUndefined();
  expect(done).toMatchObject({ status: "completed" });
});

it("still stops a proof that runs past the timeout once it left the queue, cancelling its job", {
  timeout: 60_000,
}, async () => {
  const { server, service, free } = await busyServer();
  GatedPlugin.input = { startedLog: data.file("mine-started.log"), gate: data.file("mine-gate") };
  const { task } = await service.submit({ kind: "server-test-gated" }, "prover-net");
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await free();
  await waitFor(
    () => startsIn(GatedPlugin.input.startedLog) === 1,
    () => "the task's job to run",
  );
  const done = await service.wait(task.id, { timeoutMs: 20_000 });
  expect(done).toMatchObject({
    status: "permanent_failure",
    error: expect.stringMatching(/the proof took longer than 1500 ms and was stopped$/),
  });
  expect(await waitForJob(server.url, done.jobId!, ["cancelled"], 5_000)).toMatchObject({
    state: "cancelled",
  });
});
