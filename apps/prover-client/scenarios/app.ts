import { type ChildProcess, execFile, type StdioOptions, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TaskRecord } from "@paas/core";
import { JsonRpcClient } from "@paas/jsonrpc";
import pino, { type Logger } from "pino";
import { type BuildOptions, buildProverApp, type ProverApp } from "../src/app/build-app.js";
import { loadConfig } from "../src/config/load-config.js";
import type { ProverConfig } from "../src/config/schema.js";
import { createLogger } from "../src/logging/logger.js";

/** One JSON log line as pino writes it. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * The log lines a child process has written to its stdout so far, a pipe: whole lines only (a chunk
 * may end mid-line). A line that is not JSON throws, as it would in a log collector.
 */
export function logLinesOf(stdout: string): LogLine[] {
  return stdout
    .slice(0, stdout.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as LogLine);
}

/** The app's own logger (same hooks as `paas start`) at debug, writing into memory. */
export function captureLogger(): { logger: Logger; lines: () => LogLine[] } {
  const written: string[] = [];
  const logger = createLogger({
    level: "debug",
    pretty: false,
    destination: { write: (line) => written.push(line) },
  });
  return { logger, lines: () => written.map((line) => JSON.parse(line) as LogLine) };
}

/**
 * The environment for a prover client started as a child process: this one's, less any `PAAS_`
 * variable (the client reads each as config, so one exported in a developer's shell would change
 * or refuse the test's client), plus the given ones.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PAAS_")));
  return { ...env, ...extra };
}

/** The `paas` command, run with `--conditions=@paas/source`. */
export const BIN = path.join(import.meta.dirname, "../bin/paas.mjs");

/**
 * For tests that run the CLI several times: each run is a process loading the sources, 3–5 s on
 * this project's 2-core machine alone and several times that beside other suites.
 */
export const CLI_TEST_TIMEOUT_MS = 150_000;

/**
 * `paas <args>` in a child process (no PAAS_ variables but those of `env`): what it printed and its
 * exit code.
 */
export async function runPaas(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: childEnv(env),
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

/** `paas <args> --rpc <rpcUrl>`: a client command against a running prover client. */
export function runCli(rpcUrl: string, args: readonly string[]): ReturnType<typeof runPaas> {
  return runPaas([...args, "--rpc", rpcUrl]);
}

/**
 * `paas start` as a child process (so it can be killed): against `nodeUrl` as both CL and EL, on
 * any free port, without the progress view, logging warnings, with `settings` as `--set`s.
 */
export function spawnProverClient(
  datadir: string,
  nodeUrl: string,
  settings: readonly string[],
  stdio: StdioOptions,
): ChildProcess {
  const args = ["--conditions=@paas/source", BIN, "start", "--datadir", datadir];
  args.push("--cl-url", nodeUrl, "--el-url", nodeUrl, "--port", "0", "--no-progress");
  return spawn(process.execPath, [...args, ...settings.flatMap((s) => ["--set", s])], {
    stdio,
    env: childEnv({ PAAS_LOG_LEVEL: "warn" }),
  });
}

/** Sends `signal` to a child process, unless it has ended, and waits for it to end. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

export function tempDatadir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-functional-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config for a test: the devnet's URLs, a random RPC port, fast retries, quiet. */
export function testConfig(
  datadir: string,
  nodeUrl: string,
  overrides: readonly string[] = [],
): ProverConfig {
  return loadConfig({
    overrides: [
      `datadir="${datadir}"`,
      `nodes.cl_url="${nodeUrl}"`,
      `nodes.el_url="${nodeUrl}"`,
      "nodes.timeout_ms=2000",
      "rpc.port=0",
      "retry.base_delay_ms=100",
      "retry.multiplier=1.5",
      "retry.max_delay_ms=1000",
      "retry.max_retries=30",
      "progress.enabled=false",
      ...overrides,
    ],
  });
}

export async function startApp(
  config: ProverConfig,
  logger: Logger = pino({ level: "silent" }),
  options: BuildOptions = {},
): Promise<ProverApp> {
  return buildProverApp(config, logger, options);
}

/** A client of the app's RPC server, with the token its state-changing methods need. */
export function rpc(app: ProverApp): JsonRpcClient {
  if (!app.rpcUrl) throw new Error("the app's RPC server is off");
  return new JsonRpcClient({
    url: app.rpcUrl,
    timeoutMs: 10_000,
    ...(app.rpcToken !== undefined && { bearerToken: app.rpcToken }),
  });
}

/** Polls a task over RPC until it reaches a final status. */
export async function waitForTask(
  client: JsonRpcClient,
  id: string,
  timeoutMs = 60_000,
): Promise<TaskRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await client.call<TaskRecord>("paas_getTaskStatus", [id]);
    if (["completed", "permanent_failure", "cancelled"].includes(record.status)) return record;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${record.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
