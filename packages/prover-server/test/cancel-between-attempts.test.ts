/**
 * A task cancelled while no attempt of it runs, its remote job still running on the server: an
 * attempt that ended without finishing its job (the server did not answer for a while) left the
 * job there, recorded with the task, for the next attempt to poll. The cancel must reach it.
 */
import { type ProverService, ProverServiceBuilder } from "@paas/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import { GatedPlugin } from "./fixtures/gated-plugin.js";
import {
  remoteHostOf,
  startsIn,
  startTestServer,
  type TempDir,
  tempDir,
  waitFor,
  waitForJob,
} from "./helpers.js";

let data: TempDir;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  data = tempDir();
  GatedPlugin.input = { startedLog: data.file("started.log"), gate: data.file("gate") };
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  data.remove();
});

it("cancels on the server the job a cancelled task recorded while no attempt of it runs", {
  timeout: 60_000,
}, async () => {
  let server = await startTestServer(data.file("server"));
  const port = Number(new URL(server.url).port);
  const service: ProverService = await new ProverServiceBuilder({
    database: { path: data.file("tasks.sqlite") },
    // The attempt the server's restart fails waits a minute before the next: the cancel comes first.
    retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
  })
    .host(remoteHostOf(server))
    .register(GatedPlugin)
    .launch();
  closers.push(() => service.close());
  const { task } = await service.submit({ kind: "server-test-gated" }, "prover-net");
  await waitFor(
    () => startsIn(GatedPlugin.input.startedLog) === 1,
    () => "the remote job's guest to start",
  );
  const jobId = (await service.status(task.id)).jobId!;

  // The server restarts mid-proof: the client's polls go unanswered, its attempt fails (transient)
  // and waits out its backoff, while the restarted server runs the job again under its id.
  await server.close();
  await waitFor(
    async () => (await service.status(task.id)).status === "transient_failure",
    () => "the attempt to fail while the server is down",
  );
  server = await startTestServer(data.file("server"), { port });
  closers.push(() => server.close());
  await waitFor(
    () => startsIn(GatedPlugin.input.startedLog) === 2,
    () => "the restarted server to run the job again",
  );

  await service.cancel(task.id);
  expect(await waitForJob(server.url, jobId, ["cancelled"], 5_000)).toMatchObject({ state: "cancelled" });
});
