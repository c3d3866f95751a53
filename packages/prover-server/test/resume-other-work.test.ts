/**
 * A task's next attempt is handed the job its previous one recorded and polls it rather than
 * proving again. The job must still be the task's work: between attempts a plugin upgrade can give
 * the task's program a new version, and the task's input can differ (a server that lost its data
 * and reuses ids, another chain). Resumed anyway, the upgraded task's receipt was refused as
 * another program's — a permanent failure for every task whose remote job outlived the upgrade —
 * and a changed input was handed the old input's receipt, which verifies and was stored.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumNextVersionProgram, sumProgram, TEST_PROGRAMS } from "./fixtures/programs.js";
import { remoteHostOf, startTestServer, type TempDir, tempDir } from "./helpers.js";

let data: TempDir;
let server: ProverServer;

beforeAll(async () => {
  data = tempDir();
  server = await startTestServer(data.dir, { programs: [...TEST_PROGRAMS, sumNextVersionProgram] });
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

/** One attempt that proved `[1, 2]` and recorded its job, as a task's first attempt does. */
async function firstAttempt(requestId: string) {
  const recorded: string[] = [];
  const job = { requestId, record: async (id: string) => void recorded.push(id) };
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal: new AbortController().signal, job });
  expect(recorded).toHaveLength(1);
  return { recorded, job: { ...job, previousId: recorded[0]! } };
}

it("proves the upgraded program afresh instead of failing on the old version's job", async () => {
  const { recorded, job } = await firstAttempt("upgraded-task");
  const receipt = await remoteHostOf(server).prove(sumNextVersionProgram, [1, 2], {
    signal: new AbortController().signal,
    job,
  });
  expect(receipt.metadata.version).toBe("2");
  expect(sumNextVersionProgram.readOutput(receipt.publicValues)).toBe(3);
  expect(recorded).toHaveLength(2);
  expect(recorded[1]).not.toBe(recorded[0]);
});

it("proves the task's input as it is now, not the one the recorded job was started with", async () => {
  const { recorded, job } = await firstAttempt("changed-input-task");
  const receipt = await remoteHostOf(server).prove(sumProgram, [40, 2], {
    signal: new AbortController().signal,
    job,
  });
  expect(sumProgram.readOutput(receipt.publicValues)).toBe(42);
  expect(recorded).toHaveLength(2);
});
