/**
 * A job table that refuses writes for a while, as a full disk does (SQLite's `query_only` stands
 * in for the disk here): the runner keeps a computed receipt and records it once the table takes
 * writes again, and takes queued jobs again after a refused claim. Before, the job stayed running
 * for good, its clients polling it forever.
 */
import { writeFileSync } from "node:fs";
import type { PluginLogger } from "@paas/core";
import { decodeReceipt, NativeHost, type Program, verifyReceipt } from "@paas/zkvm";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { JobRunner } from "../src/jobs/job-runner.js";
import { ProgramCatalogue } from "../src/programs.js";
import { JobStore } from "../src/store/job-store.js";
import { type OpenedJobDatabase, openJobDatabase } from "../src/store/open-job-database.js";
import { gatedProgram, sumProgram, TEST_PROGRAMS } from "./fixtures/programs.js";
import { encodedInput, startsIn, type TempDir, tempDir, waitFor } from "./helpers.js";

let data: TempDir;
let database: OpenedJobDatabase;
let host: NativeHost;
let store: JobStore;
let runner: JobRunner;
const errors: string[] = [];

beforeEach(async () => {
  data = tempDir();
  database = await openJobDatabase(data.dir);
  host = new NativeHost({ workers: 1, privateKey: "11".repeat(32) });
  store = new JobStore(database.db);
  const logger: PluginLogger = {
    debug() {},
    info() {},
    warn() {},
    error: (_fields, message) => errors.push(message),
  };
  runner = new JobRunner(store, host, await ProgramCatalogue.load(TEST_PROGRAMS), 1, logger);
});

afterEach(async () => {
  await runner.close();
  await host.close();
  await database.close();
  data.remove();
  errors.length = 0;
});

/** Makes the job table refuse writes, or take them again. */
async function refuseWrites(refuse: boolean): Promise<void> {
  await sql`pragma query_only = ${sql.raw(refuse ? "1" : "0")}`.execute(database.db);
}

/** Queues a job without waking the runner; its id. */
async function queue<I>(program: Program<I, unknown>, input: I, requestId: string): Promise<string> {
  const ref = { name: program.name, version: program.version, programId: program.programIdHex };
  const started = await store.startOrFind(requestId, ref, encodedInput(program, input), 1 << 30);
  if (!("job" in started)) throw new Error("the queue is full");
  return started.job.id;
}

it("records a receipt the job table refused while it could not write, once it can", async () => {
  const startedLog = data.file("started.log");
  const gate = data.file("gate");
  const jobId = await queue(gatedProgram, { startedLog, gate }, "refused-receipt");
  runner.wake();
  await waitFor(
    () => startsIn(startedLog) === 1,
    () => "the guest to start",
  );
  await refuseWrites(true);
  writeFileSync(gate, "");
  await waitFor(
    () => errors.length > 0,
    () => "the receipt's write to be refused",
  );
  await refuseWrites(false);

  await waitFor(
    async () => (await store.get(jobId))?.state === "succeeded",
    () => "the job to succeed once the table takes writes",
  );
  const receipt = decodeReceipt((await store.receipt(jobId))!.receipt!);
  verifyReceipt(receipt, { ...gatedProgram, publicKey: host.publicKeyHex });
  // Proven once: the receipt computed while the table was refusing writes is the one stored.
  expect(startsIn(startedLog)).toBe(1);
});

it("takes queued jobs again after the job table refused a claim", async () => {
  const jobId = await queue(sumProgram, [2, 3], "refused-claim");
  await refuseWrites(true);
  runner.wake();
  await waitFor(
    () => errors.length > 0,
    () => "the claim to be refused",
  );
  await refuseWrites(false);

  // No new job arrives and none is running: nothing but the runner itself takes this one.
  await waitFor(
    async () => (await store.get(jobId))?.state === "succeeded",
    () => "the queued job to be taken and proven",
  );
  expect(sumProgram.readOutput(decodeReceipt((await store.receipt(jobId))!.receipt!).publicValues)).toBe(5);
});
