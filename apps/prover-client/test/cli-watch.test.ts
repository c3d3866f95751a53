/**
 * `paas watch` as a script or a pager reads it: `--json` (which every client command takes) prints
 * `paas_getReport`'s answer, one line per refresh, and a reader that goes away (`paas watch | head`)
 * ends the watch quietly instead of with an unhandled EPIPE and its stack. So do the other client
 * commands; output that cannot be written (a full disk) is an error, said in a line.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import path from "node:path";
import { until } from "@paas/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, childEnv } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const BIN = path.join(import.meta.dirname, "../bin/paas.mjs");

const REPORT = {
  total: 3,
  byStatus: {
    pending: 0,
    blocked: 0,
    queued: 0,
    proving: 0,
    publishing: 0,
    completed: 3,
    transient_failure: 0,
    permanent_failure: 0,
    cancelled: 0,
  },
  rows: [
    { kind: "checkpoint", backend: "native", status: "completed", count: 1 },
    { kind: "cl-stf", backend: "native", status: "completed", count: 1 },
    { kind: "evm-ee-stf", backend: "native", status: "completed", count: 1 },
  ],
  kinds: ["checkpoint", "cl-stf", "evm-ee-stf"],
  backends: ["native"],
  uptimeSeconds: 42,
  plugins: {},
};

let server: Awaited<ReturnType<typeof stubProverRpc>>;
let url: string;
/** Calls answered: each answer counts one more completed checkpoint, so every view differs. */
let calls = 0;

beforeAll(async () => {
  // A prover client's report, as it answers it.
  server = await stubProverRpc(() => {
    calls += 1;
    const [checkpoints, ...others] = REPORT.rows;
    return {
      result: {
        ...REPORT,
        total: 2 + calls,
        byStatus: { ...REPORT.byStatus, completed: 2 + calls },
        rows: [{ ...checkpoints!, count: calls }, ...others],
      },
    };
  });
  url = server.url;
});

afterAll(() => server.close());

/**
 * `paas watch <args>` with its stdout a pipe that is read until `lines` lines came, then closed:
 * those lines, what it wrote to stderr, and how it ended.
 */
function watchUntil(
  args: readonly string[],
  lines: number,
): Promise<{ lines: string[]; stderr: string; code: number | null; signal: string | null }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@paas/source", BIN, "watch", "--rpc", url, "--interval", "100", ...args],
    { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdout.on("data", (chunk) => {
    out += chunk;
    if (out.split("\n").length > lines) child.stdout.destroy();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      resolve({ lines: out.split("\n").slice(0, lines), stderr, code, signal });
    }),
  );
}

it("prints the report as JSON lines with --json", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const watched = await watchUntil(["--json"], 2);
  const [first, second] = watched.lines.map((line) => JSON.parse(line) as typeof REPORT);
  expect(first).toMatchObject({ kinds: REPORT.kinds, uptimeSeconds: 42 });
  expect(second!.total).toBe(first!.total + 1);
  expect(watched).toMatchObject({ stderr: "", code: 0 });
});

it("ends quietly when its reader goes away", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  // Appended to a pipe when something changed: the first view, then the next.
  const watched = await watchUntil([], 16);
  expect(watched.lines[0]).toMatch(/^watching http:\S+ · up 00:00:42$/);
  expect(watched.stderr).not.toContain("EPIPE");
  expect(watched).toMatchObject({ stderr: "", code: 0 });
});

/** `paas report` with its stdout on `stdout`: what it wrote to stderr, and its exit code. */
function report(stdout: "pipe" | number): Promise<{ stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ["--conditions=@paas/source", BIN, "report", "--rpc", url], {
    env: childEnv(),
    stdio: ["ignore", stdout, "pipe"],
  });
  // Closed before the command has even loaded: its output meets a reader that went away.
  child.stdout?.destroy();
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ stderr, code })));
}

it("ends a command quietly when its reader went away", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  expect(await report("pipe")).toEqual({ stderr: "", code: 0 });
});

it.runIf(existsSync("/dev/full"))(
  "says in a line, not a stack, that its output could not be written",
  { timeout: CLI_TEST_TIMEOUT_MS },
  async () => {
    const full = openSync("/dev/full", "w");
    try {
      expect(await report(full)).toEqual({
        stderr: "error: cannot write the output: ENOSPC: no space left on device, write\n",
        code: 1,
      });
    } finally {
      closeSync(full);
    }
  },
);

it("shows control characters in a server's error as escapes, with --json and without", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // A server whose error sets the window title and clears the screen of whoever watches it.
  const hostile = await stubProverRpc(() => ({
    error: { code: -32000, message: "down \u001b]0;owned\u0007\u001b[2J" },
  }));
  try {
    for (const args of [["--json"], []]) {
      const child = spawn(
        process.execPath,
        ["--conditions=@paas/source", BIN, "watch", "--rpc", hostile.url, "--interval", "100", ...args],
        { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
      );
      let written = "";
      child.stdout.on("data", (chunk) => (written += chunk));
      child.stderr.on("data", (chunk) => (written += chunk));
      await until(() => written.includes("down"), "the error shown");
      child.kill("SIGINT");
      await new Promise((resolve) => child.on("exit", resolve));
      expect(written).toContain("down \\u001b]0;owned\\u0007\\u001b[2J");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them
      expect(written).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    }
  } finally {
    await hostile.close();
  }
});
