/**
 * `paas start` with its stdout a pipe, as under systemd or a container runtime: stdout carries JSON
 * log lines only, the banner's facts and the stop among them, so that whatever collects them can
 * parse every line; the progress view, on with the embedded devnet, is appended to stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { logLinesOf } from "../../scenarios/app.js";

const BIN = path.join(import.meta.dirname, "../../bin/paas.mjs");

let dir: string | undefined;
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it("keeps stdout to JSON log lines, the banner one of them, and appends the progress view to stderr", {
  timeout: 90_000,
}, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-start-output-"));
  const app = spawn(
    process.execPath,
    [BIN, "start", "--datadir", dir, "--port", "0", "--set", "progress.interval_ms=200"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child = app;
  let stdout = "";
  let stderr = "";
  app.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  app.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => app.once("exit", resolve));
  // A line that is not JSON fails the test here.
  const records = () => logLinesOf(stdout);
  const ready = () =>
    records().some((r) => r.msg === "prover client started") &&
    stderr.includes("PaaS prover · embedded devnet");
  await new Promise<void>((resolve, reject) => {
    for (const stream of [app.stdout, app.stderr]) stream.on("data", () => ready() && resolve());
    void exited.then((code) => reject(new Error(`paas start exited (${code}):\n${stderr}\n${stdout}`)));
  });

  app.kill("SIGTERM");
  expect(await exited).toBe(0);
  const started = records().find((r) => r.msg === "prover client started");
  expect(started).toMatchObject({
    kinds: expect.arrayContaining(["evm-ee-stf", "cl-stf", "checkpoint"]),
    backends: ["native"],
    rpc: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
    nodes: { embeddedDevnet: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
    datadir: dir,
    database: path.join(dir, "paas.sqlite"),
    tokenFile: path.join(dir, "rpc-token"),
  });
  const messages = records().map((r) => r.msg);
  expect(messages).toContain("JSON-RPC server and dashboard listening");
  expect(messages.slice(-2)).toEqual(["stopping", "stopped"]);
  // Appended, not redrawn in place: no cursor movement, and no banner on stderr.
  expect(stderr.startsWith("PaaS prover · embedded devnet")).toBe(true);
  expect(stderr).not.toContain("\u001b[");
  expect(stderr).not.toContain("json-rpc");
});

it("says why a start failed in a JSON line on stdout too, and in words on stderr", {
  timeout: 60_000,
}, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-start-output-"));
  const failed = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const app = spawn(process.execPath, [BIN, "start", "--datadir", dir!, "--set", 'rpc.port="abc"'], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    app.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    app.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    app.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
  expect(failed.code).toBe(1);
  expect(logLinesOf(failed.stdout)).toEqual([
    expect.objectContaining({
      level: 60,
      msg: "could not start",
      code: "INVALID_CONFIG",
      err: expect.stringContaining("rpc.port"),
    }),
  ]);
  expect(failed.stderr).toMatch(/^error \(INVALID_CONFIG\): [\s\S]*rpc\.port/);
});
