/**
 * `npm start` proves the embedded devnet's chain, which runs in a child process of its own. When
 * that process dies after the start (a crash, the OOM killer, a stray kill), there is no chain
 * left to prove: the client used to keep running, logging "unreachable" warnings for ever and
 * never saying its devnet was gone. It now stops with an error that says so, and exits non-zero.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { childEnv, logLinesOf } from "../../scenarios/app.js";

const BIN = path.join(import.meta.dirname, "../../bin/paas.mjs");
const dir = mkdtempSync(path.join(tmpdir(), "paas-devnet-exit-"));
let client: ChildProcess | undefined;
let interrupted: ChildProcess | undefined;
// Here, not in the test: a test that times out is not stopped, and its client would live on.
afterAll(() => {
  client?.kill("SIGKILL");
  interrupted?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** `paas start` on the embedded devnet, in `datadir`: resolves once it says it started. */
async function startClient(datadir: string, options: { detached?: boolean } = {}) {
  const child = spawn(
    process.execPath,
    [BIN, "start", "--datadir", datadir, "--port", "0", "--no-progress"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv(),
      ...options,
    },
  );
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    out.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (logLinesOf(out.stdout).some((line) => line.msg === "prover client started")) resolve();
    });
    void exited.then((code) => reject(new Error(`paas start exited (${code}):\n${out.stderr}`)));
  });
  return { child, out, exited, started };
}

it("stops with an error naming the embedded devnet when it dies under a running client", {
  timeout: 120_000,
}, async () => {
  const { child, out, exited, started } = await startClient(dir);
  client = child;
  await started;
  const devnet = JSON.parse(readFileSync(path.join(dir, "devnet", "chain.sqlite.lock.json"), "utf8")) as {
    pid: number;
  };
  process.kill(devnet.pid, "SIGKILL");

  expect(await exited).toBe(1);
  const said = /the embedded devnet exited unexpectedly \(SIGKILL\)[^\n]*/;
  expect(out.stderr).toMatch(said);
  expect(out.stderr).toContain(`its log: ${path.join(dir, "devnet", "devnet.log")}`);
  // The JSON log says it too, then that the client stopped cleanly behind it.
  const messages = logLinesOf(out.stdout).map((line) => line.msg);
  expect(messages).toContainEqual(expect.stringMatching(said));
  expect(messages.at(-1)).toBe("stopped");
});

/**
 * Ctrl-C in a terminal signals the whole foreground process group. The devnet, in the client's
 * group, stopped on it by itself, and when it was out before the client stopped it (the client
 * busy a moment), the client said its devnet had died under it and exited 1. The devnet now has a
 * group of its own: the client alone gets the Ctrl-C, and stops the devnet itself (SIGTERM).
 */
it("stops cleanly on a Ctrl-C to its process group, stopping the devnet itself", {
  timeout: 120_000,
}, async () => {
  const datadir = path.join(dir, "interrupted");
  // Detached: a group of its own, as a shell gives a job it runs in the foreground.
  const { child, out, exited, started } = await startClient(datadir, { detached: true });
  interrupted = child;
  await started;
  process.kill(-child.pid!, "SIGINT");

  expect(await exited).toBe(0);
  expect(out.stderr).not.toContain("unexpectedly");
  const devnetSaid = readFileSync(path.join(datadir, "devnet", "devnet.log"), "utf8");
  expect(devnetSaid).toContain("SIGTERM: stopping…");
  expect(devnetSaid).not.toContain("SIGINT");
  expect(logLinesOf(out.stdout).at(-1)?.msg).toBe("stopped");
});
