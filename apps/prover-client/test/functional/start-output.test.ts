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

/** `paas <args>` with stdout and stderr pipes, as a service manager runs it: what each has so far. */
function startPiped(args: readonly string[]) {
  const app = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child = app;
  const out = { stdout: "", stderr: "" };
  app.stdout.on("data", (chunk) => {
    out.stdout += chunk;
  });
  app.stderr.on("data", (chunk) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => app.once("exit", resolve));
  return { app, out, exited };
}

it("keeps stdout to JSON log lines, the banner one of them, and appends the progress view to stderr", {
  timeout: 90_000,
}, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-start-output-"));
  const { app, out, exited } = startPiped([
    "start",
    "--datadir",
    dir,
    "--port",
    "0",
    "--set",
    "progress.interval_ms=200",
  ]);
  // A line that is not JSON fails the test here.
  const records = () => logLinesOf(out.stdout);
  const ready = () =>
    records().some((r) => r.msg === "prover client started") &&
    out.stderr.includes("PaaS prover · embedded devnet");
  await new Promise<void>((resolve, reject) => {
    for (const stream of [app.stdout, app.stderr]) stream.on("data", () => ready() && resolve());
    void exited.then((code) =>
      reject(new Error(`paas start exited (${code}):\n${out.stderr}\n${out.stdout}`)),
    );
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
  expect(out.stderr.startsWith("PaaS prover · embedded devnet")).toBe(true);
  expect(out.stderr).not.toContain("\u001b[");
  expect(out.stderr).not.toContain("json-rpc");
});

it("says why a start failed in a JSON line on stdout too, and in words on stderr", {
  timeout: 60_000,
}, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-start-output-"));
  const { out: failed, exited } = startPiped(["start", "--datadir", dir, "--set", 'rpc.port="abc"']);
  expect(await exited).toBe(1);
  expect(logLinesOf(failed.stdout)).toEqual([
    expect.objectContaining({
      level: 60,
      msg: "could not start",
      code: "INVALID_CONFIG",
      error: expect.stringContaining("rpc.port"),
    }),
  ]);
  expect(failed.stderr).toMatch(/^error \(INVALID_CONFIG\): [\s\S]*rpc\.port/);
});
