import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { openDevnetLog } from "../src/app/devnet-log.js";

const dir = mkdtempSync(path.join(tmpdir(), "paas-devnet-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("says what it dropped at the stop when the disk had not caught up by then", async () => {
  // A FIFO no one reads yet: a disk that takes nothing.
  const logFile = path.join(dir, "devnet.log");
  execFileSync("mkfifo", [logFile]);
  const said: string[] = [];
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    said.push(String(chunk));
    return true;
  });
  try {
    const log = openDevnetLog(logFile, 1024);
    // The second chunk passes the backlog and waits with the first; the third is dropped.
    for (let i = 0; i < 3; i++) log.write(Buffer.alloc(1000, "a"));
    let read = 0;
    const reader = createReadStream(logFile).on("data", (chunk) => {
      read += chunk.length;
    });
    const readToEnd = new Promise<void>((resolve) => reader.once("end", () => resolve()));
    await log.close();
    await readToEnd;
    expect(read).toBe(2000);
    expect(said).toEqual([
      `the embedded devnet's output outran its log ${logFile} (more than 1024 bytes waiting for the disk): 1000 bytes of it were dropped up to its stop\n`,
    ]);
  } finally {
    stderr.mockRestore();
  }
});
