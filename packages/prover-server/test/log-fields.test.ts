/**
 * The server's log lines follow the prover client's convention: a line names the trouble it
 * reports in `error`, the message; `err` is only ever an error object with its stack, for the
 * unexpected (a 500), so a log store can map each field to one type.
 */
import type { NativeHost } from "@paas/zkvm";
import { expect, it } from "vitest";
import { buildHttpApp } from "../src/http/http-app.js";
import { JobRunner } from "../src/jobs/job-runner.js";
import { RetentionSweep } from "../src/jobs/retention-sweep.js";
import { ProgramCatalogue } from "../src/programs.js";
import type { JobStore } from "../src/store/job-store.js";
import { sumProgram } from "./fixtures/programs.js";
import { recordingLogger, waitFor } from "./helpers.js";

/** A job table that refuses everything, as a full or vanished disk does. */
function refusingStore(): JobStore {
  const refuse = () => Promise.reject(new Error("SQLITE_FULL: database or disk is full"));
  return { get: refuse, claimNext: refuse, deleteFinishedBefore: refuse } as unknown as JobStore;
}

it("logs an unexpected failure of a request at error with the error object and its stack", async () => {
  const log = recordingLogger();
  const store = refusingStore();
  const app = buildHttpApp({
    store,
    runner: {} as JobRunner,
    programs: await ProgramCatalogue.load([sumProgram]),
    publicKey: "00",
    workers: 1,
    token: undefined,
    maxInputBytes: 1_024,
    maxQueuedInputBytes: 4_096,
    answerTimeoutMs: 10_000,
    logger: log.logger,
    acceptsHost: () => true,
  });
  try {
    const answer = await app.inject({ method: "GET", url: "/v1/jobs/a-job" });
    expect(answer.statusCode).toBe(500);
    expect(log.lines.filter((line) => line.level === "error")).toEqual([
      {
        level: "error",
        message: "request failed",
        fields: expect.objectContaining({ err: expect.any(Error) }),
      },
    ]);
    const [failed] = log.lines.filter((line) => line.level === "error");
    expect((failed!.fields as { err: Error }).err.stack).toMatch(/\n\s+at /);
  } finally {
    await app.close();
  }
});

it("names a job table's refusal in `error`, never `err`, when taking jobs or deleting old ones", async () => {
  const log = recordingLogger();
  const store = refusingStore();
  const runner = new JobRunner(
    store,
    {} as NativeHost,
    await ProgramCatalogue.load([sumProgram]),
    1,
    log.logger,
  );
  runner.wake();
  await waitFor(
    () => log.lines.length > 0,
    () => "the runner's refused claim",
  );
  await runner.close();
  const sweep = new RetentionSweep(store, 60_000, log.logger, async () => undefined);
  await sweep.sweep();
  await sweep.close();
  expect(log.lines.map((line) => [line.level, line.message, line.fields])).toEqual([
    [
      "error",
      "prover server: cannot take jobs from the job table; trying again every second",
      { error: "SQLITE_FULL: database or disk is full" },
    ],
    [
      "error",
      "prover server: cannot delete finished jobs past their retention",
      { error: "SQLITE_FULL: database or disk is full" },
    ],
  ]);
});
