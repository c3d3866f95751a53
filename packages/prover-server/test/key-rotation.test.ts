/**
 * An operator rotates the server's key (deletes the key file, as after a leak) and gives the
 * clients the new one. Jobs that succeeded before hold receipts signed with the old key, which the
 * clients now refuse; their requestIds still name those jobs, so a retry was handed the same
 * refused receipt again, permanently, until the retention deleted the job (7 days by default).
 */
import { rmSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { call, remoteHostOf, startTestServer, type TempDir, tempDir } from "./helpers.js";

let data: TempDir | undefined;
let server: ProverServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  data?.remove();
});

it("proves again, with the new key, a job whose receipt was signed with a key since rotated", async () => {
  data = tempDir();
  server = await startTestServer(data.dir);
  const signal = new AbortController().signal;
  const recorded: string[] = [];
  const job = { requestId: "task-key", record: async (id: string) => void recorded.push(id) };
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job });
  const oldKey = server.publicKey;

  await server.close();
  rmSync(server.keyFile);
  server = await startTestServer(data.dir);
  expect(server.publicKey).not.toBe(oldKey);

  // The attempt that polls the recorded job is told to start again, and the new job verifies.
  const receipt = await remoteHostOf(server).prove(sumProgram, [1, 2], {
    signal,
    job: { ...job, previousId: recorded[0]! },
  });
  expect(sumProgram.readOutput(receipt.publicValues)).toBe(3);
  expect(recorded).toHaveLength(2);
  expect(recorded[1]).not.toBe(recorded[0]);
  expect((await call(server.url, "GET", `v1/jobs/${recorded[0]}`)).json).toMatchObject({
    state: "failed",
    retryable: true,
  });
});

it("keeps the succeeded jobs of a restart that kept its key", async () => {
  data = tempDir();
  server = await startTestServer(data.dir);
  const signal = new AbortController().signal;
  const recorded: string[] = [];
  const job = { requestId: "task-key", record: async (id: string) => void recorded.push(id) };
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job });
  await server.close();
  server = await startTestServer(data.dir);
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job: { ...job, previousId: recorded[0]! } });
  expect(recorded).toHaveLength(1);
});
