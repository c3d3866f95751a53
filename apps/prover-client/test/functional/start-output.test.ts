/**
 * `paas start` with its stdout a pipe, as under systemd or a container runtime: stdout carries JSON
 * log lines only, which whatever collects them can parse line by line; the banner, the progress
 * view and the stop lines are for a person, and go to stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";

const BIN = path.join(import.meta.dirname, "../../bin/paas.mjs");

let dir: string | undefined;
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it("keeps stdout to JSON log lines and says the rest on stderr", { timeout: 90_000 }, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-start-output-"));
  const app = spawn(
    process.execPath,
    [BIN, "start", "--datadir", dir, "--port", "0", "--set", "progress.interval_ms=200"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child = app;
  let stdout = "";
  let said = "";
  app.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  app.stderr.on("data", (chunk) => {
    said += chunk;
  });
  const exited = new Promise<number | null>((resolve) => app.once("exit", resolve));
  // The embedded devnet turns the progress view on; appended, it starts with its headline. Either
  // stream is watched, so that text on the wrong one fails the assertions below, not a timeout.
  const shown = () => /Ctrl-C[\s\S]*PaaS prover · embedded devnet/.test(said + stdout);
  await new Promise<void>((resolve, reject) => {
    for (const stream of [app.stdout, app.stderr]) stream.on("data", () => shown() && resolve());
    void exited.then((code) => reject(new Error(`paas start exited (${code}):\n${said}\n${stdout}`)));
  });

  app.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(said).toMatch(/^ {2}json-rpc {2}http:\/\/127\.0\.0\.1:\d+\//m);
  expect(said).toContain("SIGTERM: stopping…\n");
  expect(said).toMatch(/stopped cleanly\n$/);
  const logLines = stdout.split("\n").filter((line) => line !== "");
  const messages = logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toContain("JSON-RPC server and dashboard listening");
  expect(messages).toContain("stopped");
});
