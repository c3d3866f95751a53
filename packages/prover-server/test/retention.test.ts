/**
 * Retention: finished jobs and their receipts are deleted once older than the retention, so a
 * server that runs for months keeps only its recent work; live jobs are never touched, and a
 * client asking for a deleted job is told it is unknown.
 */
import { writeFileSync } from "node:fs";
import { TransientError } from "@paas/core";
import { HttpRemoteProver, RemoteHost } from "@paas/zkvm";
import { expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { call, encodedInput, programRef, serverPerTest, startGatedJob, TOKEN, waitFor } from "./helpers.js";

const RETENTION_MS = 300;

const { data, start } = serverPerTest();
let server: ProverServer;

/** Starts a sum job and waits until it has succeeded; its id. */
async function provenSumJob(prover: HttpRemoteProver, numbers: number[], requestId: string): Promise<string> {
  const jobId = await prover.start({
    program: programRef(sumProgram),
    input: encodedInput(sumProgram, numbers),
    requestId,
  });
  await waitFor(
    async () => (await prover.status(jobId)).state === "succeeded",
    () => `job ${requestId} to succeed`,
  );
  return jobId;
}

it("deletes a finished job past the retention but never a job still running", {
  timeout: 30_000,
}, async () => {
  server = await start({ finishedJobRetentionMs: RETENTION_MS });
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const finished = await provenSumJob(prover, [1, 2], "finished");
  expect((await prover.receipt(finished)).length).toBeGreaterThan(0);

  const { jobId: running, gate } = await startGatedJob(prover, data(), "running");

  await waitFor(
    async () => (await call(server.url, "GET", `v1/jobs/${finished}`)).status === 404,
    () => `job ${finished} to be deleted`,
    10_000,
  );
  expect(await prover.status(finished)).toEqual({ state: "unknown" });
  const receipt = await call(server.url, "GET", `v1/jobs/${finished}/receipt`);
  expect(receipt.json).toMatchObject({ code: "JOB_NOT_FOUND" });

  // The running job outlived the retention several times over and is still there, still running.
  await new Promise((resolve) => setTimeout(resolve, 4 * RETENTION_MS));
  expect((await prover.status(running)).state).toBe("running");
  writeFileSync(gate, "");
  await waitFor(
    async () => (await prover.status(running)).state === "succeeded",
    () => "the gated job to succeed",
  );
});

it("deletes at start what aged past the retention while the server was stopped", async () => {
  server = await start();
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const jobId = await provenSumJob(prover, [3], "aged");
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 50));

  // The default retention (7 days) kept it; a restart with 10 ms deletes it before answering anyone.
  server = await start({ finishedJobRetentionMs: 10 });
  expect(await new HttpRemoteProver({ url: server.url, token: TOKEN }).status(jobId)).toEqual({
    state: "unknown",
  });
});

it("a client whose job was deleted starts a new one and gets its receipt", async () => {
  server = await start({ finishedJobRetentionMs: RETENTION_MS });
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  // Polling well within the retention, as a client must to see its receipts.
  const host = new RemoteHost({
    backend: "remote",
    prover,
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
  });
  const recorded: string[] = [];
  const first = await prover.start({
    program: programRef(sumProgram),
    input: encodedInput(sumProgram, [4, 5]),
    requestId: "task-1",
  });
  await waitFor(
    async () => (await call(server.url, "GET", `v1/jobs/${first}`)).status === 404,
    () => `job ${first} to be deleted`,
    10_000,
  );
  // A client that recorded the deleted job (it was down past the retention) resumes with it.
  const receipt = await host.prove(sumProgram, [4, 5], {
    signal: new AbortController().signal,
    job: { requestId: "task-1", previousId: first, record: async (id: string) => void recorded.push(id) },
  });
  expect(recorded).toHaveLength(1);
  expect(recorded[0]).not.toBe(first);
  expect(receipt.publicValues.length).toBeGreaterThan(0);
});

it("a job deleted between the client's status read and its receipt fetch is retried, not failed", async () => {
  server = await start({ finishedJobRetentionMs: RETENTION_MS });
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const jobId = await provenSumJob(prover, [1, 2], "raced");
  await waitFor(
    async () => (await call(server.url, "GET", `v1/jobs/${jobId}`)).status === 404,
    () => `job ${jobId} to be deleted`,
    10_000,
  );
  // The client read "succeeded" just before the sweep: its receipt fetch finds the job gone.
  const late = Object.assign(Object.create(prover) as HttpRemoteProver, {
    status: async () => ({ state: "succeeded" as const }),
  });
  const host = new RemoteHost({
    backend: "remote",
    prover: late,
    publicKey: server.publicKey,
    concurrency: 1,
  });
  const error = await host
    .prove(sumProgram, [1, 2], {
      signal: new AbortController().signal,
      job: { requestId: "raced", previousId: jobId, record: async () => {} },
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TransientError);
  expect((error as Error).message).toContain(`the remote prover no longer knows job ${jobId}`);
});

it("refuses a retention that is not a positive whole number of milliseconds", async () => {
  for (const finishedJobRetentionMs of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
    await expect(start({ finishedJobRetentionMs })).rejects.toThrow(
      `prover server: finishedJobRetentionMs must be a positive integer (ms), got ${finishedJobRetentionMs}`,
    );
  }
});
