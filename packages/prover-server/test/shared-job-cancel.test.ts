/**
 * Two prover clients sharing this server (two clusters proving the same chain) send the same work
 * — the same task key and input, so the same requestId — and are handed one proof. A cancel from
 * one withdraws only its own interest: the other's job keeps running and its receipt reaches it.
 */
import { writeFileSync } from "node:fs";
import { TaskCancelledError } from "@paas/core";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { gatedProgram } from "./fixtures/programs.js";
import { remoteHostOf, serverPerTest, startsIn, waitFor, waitForJob } from "./helpers.js";

const { start, data } = serverPerTest();

function recorder() {
  const ids: string[] = [];
  return { ids, job: { requestId: "task-shared", record: async (id: string) => void ids.push(id) } };
}

it("keeps a shared proof running for the client that still waits when the other cancels", {
  timeout: 30_000,
}, async () => {
  const server = await start();
  const input = { startedLog: data().file("started.log"), gate: data().file("gate") };
  const a = recorder();
  const b = recorder();
  const cancelA = new AbortController();
  const provingA = remoteHostOf(server).prove(gatedProgram, input, { signal: cancelA.signal, job: a.job });
  await waitFor(
    () => startsIn(input.startedLog) === 1,
    () => "the guest to start",
  );
  const provingB = remoteHostOf(server).prove(gatedProgram, input, {
    signal: new AbortController().signal,
    job: b.job,
  });
  await waitFor(
    () => b.ids.length === 1,
    () => "the second client's job",
  );

  cancelA.abort(new TaskCancelledError("task-shared"));
  await expect(provingA).rejects.toThrow(TaskCancelledError);
  // The first client's own job is cancelled as it sees it; the proof goes on for the second.
  await waitForJob(server.url, a.ids[0]!, ["cancelled"], 5_000);
  expect(await waitForJob(server.url, b.ids[0]!, ["running"], 1_000)).toMatchObject({ state: "running" });

  writeFileSync(input.gate, "");
  const receipt = await provingB;
  expect(gatedProgram.readOutput(receipt.publicValues)).toBe(input.gate);
  // One proof for both: the second client joined the first one's, it did not start another.
  expect(startsIn(input.startedLog)).toBe(1);
});

it("cancels the proof once every client that started it has cancelled", { timeout: 30_000 }, async () => {
  const server = await start();
  const input = { startedLog: data().file("started.log"), gate: data().file("gate") };
  const a = recorder();
  const b = recorder();
  const cancelA = new AbortController();
  const cancelB = new AbortController();
  const provingA = remoteHostOf(server).prove(gatedProgram, input, { signal: cancelA.signal, job: a.job });
  const provingB = remoteHostOf(server).prove(gatedProgram, input, { signal: cancelB.signal, job: b.job });
  await waitFor(
    () => a.ids.length === 1 && b.ids.length === 1 && startsIn(input.startedLog) === 1,
    () => "both clients' jobs and the guest to start",
  );
  cancelA.abort(new TaskCancelledError("task-shared"));
  await expect(provingA).rejects.toThrow(TaskCancelledError);
  // A second cancel of the same job (the scheduler also cancels the job it recorded) withdraws nothing more.
  await remoteHostOf(server).cancelJob(a.ids[0]!);
  expect(await waitForJob(server.url, b.ids[0]!, ["running"], 1_000)).toMatchObject({ state: "running" });

  cancelB.abort(new TaskCancelledError("task-shared"));
  await expect(provingB).rejects.toThrow(TaskCancelledError);
  await waitForJob(server.url, b.ids[0]!, ["cancelled"], 5_000);
  // Nobody wants it: the worker was stopped, so the same work started again proves afresh.
  const c = recorder();
  const provingC = remoteHostOf(server).prove(gatedProgram, input, {
    signal: new AbortController().signal,
    job: c.job,
  });
  await waitFor(
    () => startsIn(input.startedLog) === 2,
    () => "a new proof for the work started again",
  );
  writeFileSync(input.gate, "");
  await provingC;
});

it("keeps a job of a table made before handles reachable, and cancellable, under its id", {
  timeout: 30_000,
}, async () => {
  let server = await start();
  const input = { startedLog: data().file("started.log"), gate: data().file("gate") };
  const a = recorder();
  void remoteHostOf(server)
    .prove(gatedProgram, input, { signal: new AbortController().signal, job: a.job })
    .catch(() => {});
  await waitFor(
    () => a.ids.length === 1,
    () => "the job",
  );
  const { databaseFile } = server;
  await server.close();
  // The table as the version before handles left it.
  const table = new Database(databaseFile);
  table.exec("drop table job_handles; delete from kysely_migration where name = '0003_job_handles'");
  table.close();

  server = await start();
  await waitForJob(server.url, a.ids[0]!, ["running"]);
  await remoteHostOf(server).cancelJob(a.ids[0]!);
  await waitForJob(server.url, a.ids[0]!, ["cancelled"], 5_000);
});
