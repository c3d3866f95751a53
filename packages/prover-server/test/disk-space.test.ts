/**
 * Disk: what a job no longer holds (its input once it ends, all of it once the retention deletes
 * it) goes back to the file system, so a server's job table shrinks back to the size of its recent
 * work after a burst of large inputs, as operators sizing its disk expect.
 */
import { statSync } from "node:fs";
import { HttpRemoteProver } from "@paas/zkvm";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { programRef, serverPerTest, TOKEN, waitFor } from "./helpers.js";

const { data, start } = serverPerTest();
let server: ProverServer;

/** The job table's size on disk: its file and its write-ahead log. */
function tableBytes(file: string): number {
  const size = (name: string) => {
    try {
      return statSync(name).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

it("gives the disk back once large jobs have ended and been deleted", { timeout: 60_000 }, async () => {
  server = await start({ finishedJobRetentionMs: 300 });
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  // 20 MiB inputs the guest cannot read: each job fails at once, its input dropped.
  const jobs: string[] = [];
  for (const i of [1, 2, 3]) {
    jobs.push(
      await prover.start({
        program: programRef(sumProgram),
        input: new Uint8Array(20 * 1024 * 1024).fill(7),
        requestId: `large-${i}`,
      }),
    );
  }
  const { databaseFile } = server;
  await waitFor(
    async () => (await Promise.all(jobs.map((id) => prover.status(id)))).every((s) => s.state === "unknown"),
    () => "the jobs to end and be deleted",
  );
  // The sweep that deleted them, or the next, gives their pages back: the 60 MiB that passed
  // through the table (kept by it for good before) are not on disk any more.
  await waitFor(
    async () => tableBytes(databaseFile) < 8 * 1024 * 1024,
    () => `the job table to shrink (${tableBytes(databaseFile)} bytes)`,
  );
});

it("converts at start a job table made before it gave pages back", async () => {
  const file = data().file("prover-server.sqlite");
  server = await start();
  await server.close();
  const old = new Database(file);
  old.pragma("auto_vacuum = NONE");
  old.exec("VACUUM");
  old.close();
  server = await start();
  await server.close();
  const reopened = new Database(file, { readonly: true });
  try {
    expect(reopened.pragma("auto_vacuum", { simple: true })).toBe(2);
  } finally {
    reopened.close();
  }
});
