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

/** A server on a fresh data directory that has proven one job, and what its client recorded. */
async function provedOnce() {
  const dir = tempDir();
  data = dir;
  const first = await startTestServer(dir.dir);
  server = first;
  const signal = new AbortController().signal;
  const recorded: string[] = [];
  const job = { requestId: "task-key", record: async (id: string) => void recorded.push(id) };
  await remoteHostOf(first).prove(sumProgram, [1, 2], { signal, job });
  return { dir, first, signal, recorded, job };
}

it("proves again, with the new key, a job whose receipt was signed with a key since rotated", async () => {
  const { dir, first, signal, recorded, job } = await provedOnce();
  const oldKey = first.publicKey;

  await first.close();
  rmSync(first.keyFile);
  server = await startTestServer(dir.dir);
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
  const { dir, first, signal, recorded, job } = await provedOnce();
  await first.close();
  server = await startTestServer(dir.dir);
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job: { ...job, previousId: recorded[0]! } });
  expect(recorded).toHaveLength(1);
});
