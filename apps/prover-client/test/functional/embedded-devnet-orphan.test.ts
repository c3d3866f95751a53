/**
 * The embedded devnet is a child process holding its chain file's lock. When the prover client is
 * killed (SIGKILL: no chance to stop it), the devnet must stop too: left running it kept the lock,
 * and the restarted client was refused its devnet ("in use by another devnet") until the orphan
 * next wrote to its closed pipe, or for good with no block timer.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";
import { childEnv } from "../../scenarios/app.js";
import { startEmbeddedDevnet } from "../../src/app/embedded-devnet.js";

const dir = mkdtempSync(path.join(tmpdir(), "paas-orphan-"));
/** The devnet the killed parent started, stopped here if it outlived its parent. */
let orphan: number | undefined;
afterAll(() => {
  if (orphan !== undefined && alive(orphan)) process.kill(orphan, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const options = {
  dataDir: path.join(dir, "devnet"),
  // No block timer: an orphan would never write, so nothing but its parent's death stops it.
  blockTimeMs: 0,
  slotsPerEpoch: 4,
  seed: "orphan-test",
  chainId: 1337,
  proverPublicKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: "00".repeat(32),
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it("stops the embedded devnet when the process that started it is killed", { timeout: 120_000 }, async () => {
  // A prover client reduced to what matters here: it starts the embedded devnet and says so.
  const script = path.join(dir, "parent.mts");
  writeFileSync(
    script,
    `import { startEmbeddedDevnet } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "../../src/app/embedded-devnet.ts")).href)};
const devnet = await startEmbeddedDevnet(${JSON.stringify(options)});
console.log("started " + devnet.url);
setInterval(() => {}, 1_000);
`,
  );
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const parent = spawn(process.execPath, ["--conditions=@paas/source", "--import", tsx, script], {
    env: childEnv(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    parent.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("started ")) resolve();
    });
    parent.once("exit", (code) => reject(new Error(`the parent exited with ${code}`)));
  });
  const holder = JSON.parse(readFileSync(path.join(options.dataDir, "chain.sqlite.lock.json"), "utf8")) as {
    pid: number;
  };
  orphan = holder.pid;
  expect(alive(holder.pid)).toBe(true);

  parent.kill("SIGKILL");
  await expect.poll(() => alive(holder.pid), { timeout: 15_000, interval: 100 }).toBe(false);

  // The restarted client gets its devnet, on the same chain.
  const restarted = await startEmbeddedDevnet(options);
  await restarted.close();
});
