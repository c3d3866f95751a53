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
// Here, not in the test: a test that times out is not stopped, and its client would live on.
afterAll(() => {
  client?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

it("stops with an error naming the embedded devnet when it dies under a running client", {
  timeout: 120_000,
}, async () => {
  const child = spawn(process.execPath, [BIN, "start", "--datadir", dir, "--port", "0", "--no-progress"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv(),
  });
  client = child;
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    out.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (logLinesOf(out.stdout).some((line) => line.msg === "prover client started")) resolve();
    });
    void exited.then((code) => reject(new Error(`paas start exited (${code}):\n${out.stderr}`)));
  });
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
