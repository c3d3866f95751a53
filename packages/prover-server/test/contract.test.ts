/**
 * The remote-prover contract driven through the real client, `HttpRemoteProver` (and `RemoteHost`
 * on top of it): what the prover client's `remote` backend does against this server.
 */
import { writeFileSync } from "node:fs";
import { PermanentError } from "@paas/core";
import { decodeReceipt, HttpRemoteProver, RemoteHost, type RemoteJobStatus, verifyReceipt } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { evenOnlyProgram, gatedProgram, sumProgram } from "./fixtures/programs.js";
import {
  call,
  encodedInput,
  programRef,
  recordingLogger,
  startGatedJob,
  startsIn,
  startTestServer,
  type TempDir,
  TOKEN,
  tempDir,
  waitFor,
} from "./helpers.js";

let data: TempDir;
let server: ProverServer;
let prover: HttpRemoteProver;
const log = recordingLogger();

beforeAll(async () => {
  data = tempDir();
  server = await startTestServer(data.dir, { logger: log.logger });
  prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

async function settled(jobId: string): Promise<RemoteJobStatus> {
  let status: RemoteJobStatus = { state: "unknown" };
  await waitFor(
    async () => {
      status = await prover.status(jobId);
      return !["queued", "running"].includes(status.state);
    },
    () => `job ${jobId} to end (it is ${status.state})`,
  );
  return status;
}

const attemptsOf = async (jobId: string) => (await call(server.url, "GET", `v1/jobs/${jobId}`)).json.attempts;

it("tells its signing key, its zkVM, its programs, its workers and that it takes proposed job ids", async () => {
  const info = await prover.info();
  expect(info).toEqual({
    publicKey: server.publicKey,
    zkvm: "native",
    programs: expect.arrayContaining([
      programRef(sumProgram),
      programRef(evenOnlyProgram),
      programRef(gatedProgram),
    ]),
    workers: 1,
    // Clients propose their jobs' ids only to a server that says it honours them.
    jobIds: true,
  });
  expect(info.programs).toHaveLength(3);
  expect(info.publicKey).toMatch(/^[0-9a-f]{64}$/);
});

it("proves a job to a receipt that verifies against the server's key and the program", async () => {
  const input = encodedInput(sumProgram, [1, 2, 39]);
  const jobId = await prover.start({ program: programRef(sumProgram), input, requestId: "sum-1" });
  expect(jobId).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  // The status names the work the job was started for: a client resumes only its own.
  expect(await settled(jobId)).toEqual({
    state: "succeeded",
    requestId: "sum-1",
    programId: sumProgram.programIdHex,
  });

  const receipt = decodeReceipt(await prover.receipt(jobId));
  verifyReceipt(receipt, { ...sumProgram, publicKey: server.publicKey });
  expect(sumProgram.readOutput(receipt.publicValues)).toBe(42);
  expect(await attemptsOf(jobId)).toBe(1);
});

it("joins the live job for a repeated requestId instead of proving again", async () => {
  const request = {
    program: programRef(sumProgram),
    input: encodedInput(sumProgram, [5]),
    requestId: "sum-dedupe",
  };
  const proofsBefore = log.lines.filter((line) => line.message === "proving").length;
  const first = await prover.start(request);
  // A handle of its own on the same proof (a cancel through it withdraws only it).
  const joined = await prover.start(request);
  await settled(first);
  // Succeeded is still live: the receipt is there to fetch, so no second proof.
  const late = await prover.start(request);
  for (const jobId of [joined, late]) {
    expect(await prover.status(jobId)).toMatchObject({ state: "succeeded", requestId: "sum-dedupe" });
    expect(await prover.receipt(jobId)).toEqual(await prover.receipt(first));
  }
  expect(log.lines.filter((line) => line.message === "proving").length - proofsBefore).toBe(1);
  expect(await attemptsOf(first)).toBe(1);

  // The same requestId for another program is other work.
  const other = await prover.start({
    ...request,
    program: programRef(evenOnlyProgram),
    input: encodedInput(evenOnlyProgram, 2),
  });
  expect(other).not.toBe(first);
  expect(await settled(other)).toMatchObject({ state: "succeeded", programId: evenOnlyProgram.programIdHex });
});

it("fails a job whose guest throws, not retryable, with the guest's message; the requestId then starts anew", async () => {
  const request = {
    program: programRef(evenOnlyProgram),
    input: encodedInput(evenOnlyProgram, 3),
    requestId: "odd",
  };
  const jobId = await prover.start(request);
  const status = await settled(jobId);
  expect(status).toMatchObject({
    state: "failed",
    retryable: false,
    error: expect.stringContaining("value 3 is odd"),
  });
  await expect(prover.receipt(jobId)).rejects.toThrow(/job .* is failed: no receipt until it succeeds/);
  // The guest's words are the message, in `error`: `err` is only ever an error object.
  const failed = log.lines.find((line) => line.message === "proof failed" && "jobId" in line.fields);
  expect(failed).toMatchObject({
    level: "warn",
    fields: { jobId, retryable: false, error: expect.stringContaining("value 3 is odd") },
  });
  expect(failed?.fields).not.toHaveProperty("err");

  const again = await prover.start(request);
  expect(again).not.toBe(jobId);
  expect((await settled(again)).state).toBe("failed");
});

it("refuses a program it does not prove, naming it", async () => {
  const unknown = { name: "nope", version: "1", programId: "ab".repeat(32) };
  const start = prover.start({ program: unknown, input: new Uint8Array(), requestId: "nope" });
  await expect(start).rejects.toThrow(PermanentError);
  await expect(start).rejects.toThrow(
    `this server does not prove program "nope" version "1" (0x${"ab".repeat(32)})`,
  );

  // A known id under another name or version is not that program either.
  const renamed = prover.start({
    program: { ...programRef(sumProgram), version: "2" },
    input: new Uint8Array(),
    requestId: "v2",
  });
  await expect(renamed).rejects.toThrow(/does not prove program "server-test-sum" version "2"/);
});

describe("cancellation", () => {
  it("cancels a running job and its worker really stops", async () => {
    // Its gate is never made: only a terminated worker ends it.
    const { jobId, startedLog } = await startGatedJob(prover, data, "cancel-running");
    expect((await prover.status(jobId)).state).toBe("running");

    await prover.cancel(jobId);
    expect(await prover.status(jobId)).toMatchObject({ state: "cancelled" });

    // One worker only: a proof after the cancelled one completes only if that guest's thread is gone
    // (it would spin for a minute otherwise).
    const after = await prover.start({
      program: programRef(sumProgram),
      input: encodedInput(sumProgram, [1]),
      requestId: "after-cancel",
    });
    expect(await settled(after)).toMatchObject({ state: "succeeded" });
    expect(await prover.status(jobId)).toMatchObject({ state: "cancelled" });
    expect(startsIn(startedLog)).toBe(1);
  });

  it("cancels a queued job before it runs, and a finished job keeps its state", async () => {
    const { jobId: blocker, gate } = await startGatedJob(prover, data, "blocker");
    const queued = await prover.start({
      program: programRef(sumProgram),
      input: encodedInput(sumProgram, [2]),
      requestId: "queued",
    });
    expect((await prover.status(queued)).state).toBe("queued");

    const linesBefore = log.lines.length;
    const cancelled = await call(server.url, "DELETE", `v1/jobs/${queued}`);
    expect(cancelled.json).toMatchObject({ jobId: queued, state: "cancelled", attempts: 0 });
    // A client's cancel, as its start, is a request line at debug: a prover client cancelling
    // thousands of tasks must not flood this log at info. Only a proof it stops is a line there.
    expect(log.lines.slice(linesBefore).filter((line) => line.level !== "debug")).toEqual([]);

    writeFileSync(gate, "");
    expect(await settled(blocker)).toMatchObject({ state: "succeeded" });
    const again = await call(server.url, "DELETE", `v1/jobs/${blocker}`);
    expect(again.json).toMatchObject({ jobId: blocker, state: "succeeded" });
    expect(await prover.status(queued)).toMatchObject({ state: "cancelled" });
    expect(await attemptsOf(queued)).toBe(0);
    // A cancelled requestId starts anew.
    const restarted = await prover.start({
      program: programRef(sumProgram),
      input: encodedInput(sumProgram, [2]),
      requestId: "queued",
    });
    expect(restarted).not.toBe(queued);
    await settled(restarted);
  });

  it("treats cancelling an unknown job as done, and reports it unknown", async () => {
    await expect(prover.cancel("no-such-job")).resolves.toBeUndefined();
    expect(await prover.status("no-such-job")).toEqual({ state: "unknown" });
  });
});

it("serves RemoteHost: the prover client's remote backend proves through it and records the job", async () => {
  const host = new RemoteHost({
    backend: "prover-net",
    prover,
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
  });
  const recorded: string[] = [];
  const job = { requestId: "task-key-1", record: async (id: string) => void recorded.push(id) };
  const receipt = await host.prove(sumProgram, [20, 22], { signal: new AbortController().signal, job });
  expect(sumProgram.readOutput(receipt.publicValues)).toBe(42);
  expect(recorded).toHaveLength(1);

  // A later attempt that knows the job polls it again rather than proving anew.
  const resumed = await host.prove(sumProgram, [20, 22], {
    signal: new AbortController().signal,
    job: { ...job, previousId: recorded[0]! },
  });
  expect(resumed).toEqual(receipt);
  expect(recorded).toHaveLength(1);
  expect(await attemptsOf(recorded[0]!)).toBe(1);
});
