/**
 * The embedded devnet's output goes to `<datadir>/devnet/devnet.log`. On a full disk that file
 * refuses every write (ENOSPC): piped there, the refusal was an uncaught error that stopped the
 * prover client. The log here is a link to /dev/full, which refuses every write the same way. On a
 * disk slower than the devnet, what waits for it is capped: the log here is a FIFO read only later.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, type ReadStream, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { startEmbeddedDevnet } from "../../src/app/embedded-devnet.js";

const dir = mkdtempSync(path.join(tmpdir(), "paas-devnet-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function blockNumber(url: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  return Number(((await response.json()) as { result: string }).result);
}

const options = {
  slotsPerEpoch: 2,
  seed: "devnet-log-test",
  chainId: 1337,
  logLevel: "debug",
  proverPublicKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: "00".repeat(32),
} as const;

/** What is written on stderr from now on, until `restore`. */
function stderrLines(): { said: string[]; restore(): void } {
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk, ...rest) => {
    said.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
  return { said, restore: () => stderr.mockRestore() };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("keeps the devnet producing blocks when its log cannot be written, and says so once", {
  timeout: 120_000,
}, async () => {
  const dataDir = path.join(dir, "devnet");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  symlinkSync("/dev/full", path.join(dataDir, "devnet.log"));
  const { said, restore } = stderrLines();
  const devnet = await startEmbeddedDevnet({ ...options, dataDir, blockTimeMs: 200 });
  try {
    const first = await blockNumber(devnet.url);
    const deadline = Date.now() + 60_000;
    while ((await blockNumber(devnet.url)) < first + 5) {
      if (Date.now() > deadline) throw new Error("the devnet stopped producing blocks");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const refusals = said.filter((line) => line.includes("cannot write the embedded devnet's log"));
    expect(refusals).toEqual([
      `cannot write the embedded devnet's log ${path.join(dataDir, "devnet.log")} (ENOSPC: no space left on device, write): its output is dropped until the next start\n`,
    ]);
  } finally {
    restore();
    await devnet.close();
  }
});

it("drops the devnet's output beyond what may wait for a slow disk, says how much, and goes on once it caught up", {
  timeout: 120_000,
}, async () => {
  const dataDir = path.join(dir, "slow");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(dataDir, "devnet.log");
  // A disk that takes nothing until the test reads it: every write waits in the client.
  execFileSync("mkfifo", [logFile]);
  const { said, restore } = stderrLines();
  const devnet = await startEmbeddedDevnet({ ...options, dataDir, blockTimeMs: 50, logBacklogBytes: 1024 });
  let reader: ReadStream | undefined;
  let read = 0;
  const dropped = () => said.filter((line) => line.includes("outran its log"));
  try {
    // ~1 KiB a second at debug: a few KiB said while the disk takes nothing.
    const first = await blockNumber(devnet.url);
    await until(async () => (await blockNumber(devnet.url)) >= first + 60, "60 blocks");
    expect(dropped()).toEqual([]);

    reader = createReadStream(logFile).on("data", (chunk) => {
      read += chunk.length;
    });
    await until(() => dropped().length > 0, "the line saying what was dropped");
    expect(dropped()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the embedded devnet's output outran its log ${logFile} \\(more than 1024 bytes waiting for the disk\\): [1-9]\\d* bytes of it were dropped before the disk caught up; the log goes on\n$`,
        ),
      ),
    ]);
    // What waited: the backlog and the chunk that passed it, not all the devnet said.
    expect(read).toBeLessThan(1024 + 64 * 1024);
    const caughtUp = read;
    await until(() => read > caughtUp, "the log written again");
  } finally {
    restore();
    reader ??= createReadStream(logFile);
    await devnet.close();
    reader.destroy();
  }
});
