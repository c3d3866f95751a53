/**
 * The remote backend names its work by the task key, which says what to prove (a checkpoint's
 * index, a block range) but not on which chain: two prover clients on different chains that share
 * a proving server — or one client whose chain was reset — send the same key with other inputs.
 * The server returns the job of a repeated requestId, so the work must be named by its input too:
 * otherwise the second client is handed the first one's receipt, which verifies (same program,
 * same key) and is stored as the proof of its own task.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { recordingLogger, remoteHostOf, startTestServer, type TempDir, tempDir } from "./helpers.js";

let data: TempDir;
let server: ProverServer;
const log = recordingLogger();

beforeAll(async () => {
  data = tempDir();
  server = await startTestServer(data.dir, { logger: log.logger });
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

it("proves each client's own input when two clients send the same task key", async () => {
  const signal = new AbortController().signal;
  const recordedA: string[] = [];
  const recordedB: string[] = [];
  const a = await remoteHostOf(server).prove(sumProgram, [1, 2], {
    signal,
    job: { requestId: "checkpoint-7-key", record: async (id) => void recordedA.push(id) },
  });
  expect(sumProgram.readOutput(a.publicValues)).toBe(3);
  const b = await remoteHostOf(server).prove(sumProgram, [40, 2], {
    signal,
    job: { requestId: "checkpoint-7-key", record: async (id) => void recordedB.push(id) },
  });
  expect(sumProgram.readOutput(b.publicValues)).toBe(42);
  expect(recordedB[0]).not.toBe(recordedA[0]);
});

it("still finds the job a crashed attempt started for the same task and input", async () => {
  const signal = new AbortController().signal;
  const recorded: string[] = [];
  const job = { requestId: "evm-1-4-key", record: async (id: string) => void recorded.push(id) };
  const proofsBefore = log.lines.filter((line) => line.message === "proving").length;
  await remoteHostOf(server).prove(sumProgram, [5, 6], { signal, job });
  // The job id was never recorded (a crash between start and record): the same work finds it.
  const again = await remoteHostOf(server).prove(sumProgram, [5, 6], { signal, job });
  expect(sumProgram.readOutput(again.publicValues)).toBe(11);
  expect(recorded).toHaveLength(2);
  // Its own handle on the job the crashed attempt started: not proven a second time.
  expect(log.lines.filter((line) => line.message === "proving").length - proofsBefore).toBe(1);
});
