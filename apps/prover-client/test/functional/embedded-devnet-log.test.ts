/**
 * The embedded devnet's output goes to `<datadir>/devnet/devnet.log`. On a full disk that file
 * refuses every write (ENOSPC): piped there, the refusal was an uncaught error that stopped the
 * prover client. The log here is a link to /dev/full, which refuses every write the same way.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
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

it("keeps the devnet producing blocks when its log cannot be written, and says so once", {
  timeout: 120_000,
}, async () => {
  const dataDir = path.join(dir, "devnet");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  symlinkSync("/dev/full", path.join(dataDir, "devnet.log"));
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk, ...rest) => {
    said.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
  const devnet = await startEmbeddedDevnet({
    dataDir,
    blockTimeMs: 200,
    slotsPerEpoch: 2,
    seed: "devnet-log-test",
    chainId: 1337,
    logLevel: "debug",
    proverPublicKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    checkpointProgramId: "00".repeat(32),
  });
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
    stderr.mockRestore();
    await devnet.close();
  }
});
