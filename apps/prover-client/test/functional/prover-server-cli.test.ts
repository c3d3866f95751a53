/**
 * `paas prover-server`: what an operator runs and reads — where it listens, the key its receipts
 * are signed with, the plugin programs it proves by default — and a clean stop on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkpointProgram } from "@paas/plugin-checkpoint";
import { clStfProgram } from "@paas/plugin-cl-stf";
import { evmEeStfProgram } from "@paas/plugin-evm-ee-stf";
import { HttpRemoteProver, type Program } from "@paas/zkvm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { logLinesOf, runPaas } from "../../scenarios/app.js";

const BIN = path.join(import.meta.dirname, "../../bin/paas.mjs");
const TOKEN = "cli-test-token-0123456789";

let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "paas-prover-server-cli-"));
});

afterEach(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const ref = (program: Program<never, unknown>) => ({
  name: program.name,
  version: program.version,
  programId: program.programIdHex,
});

it("logs its URL and signing key, serves the plugins' programs, and stops cleanly on SIGTERM", {
  timeout: 60_000,
}, async () => {
  const datadir = path.join(dir, "server");
  const server = spawn(
    process.execPath,
    [
      BIN,
      "prover-server",
      "--port",
      "0",
      "--datadir",
      datadir,
      "--token",
      TOKEN,
      "--workers",
      "1",
      "--log-level",
      "info",
      "--keep-finished",
      "36h",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child = server;
  // stdout is a pipe here: JSON log lines only, the banner's facts one of them.
  let stdout = "";
  server.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const records = () => logLinesOf(stdout);
  const startedRecord = () => records().find((r) => r.msg === "prover server started");
  const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    server.stdout.on("data", () => startedRecord() && resolve());
    void exited.then((code) =>
      reject(new Error(`paas prover-server exited (${code}) before listening: ${stdout}`)),
    );
  });

  const started = startedRecord()!;
  const url = started.url as string;
  const publicKey = started.publicKey as string;
  const keyFile = path.join(datadir, "prover-server.key");
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
  expect(started).toMatchObject({ keyFile, workers: 1, keepFinishedMs: 36 * 3_600_000 });
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);

  const info = await new HttpRemoteProver({ url, token: TOKEN }).info();
  expect(info.publicKey).toBe(publicKey);
  expect(info.workers).toBe(1);
  expect(info.programs).toEqual(
    expect.arrayContaining([ref(evmEeStfProgram), ref(clStfProgram), ref(checkpointProgram)]),
  );
  expect(info.programs).toHaveLength(3);
  await expect(new HttpRemoteProver({ url, token: "wrong-token-0123456789" }).info()).rejects.toThrow(
    /the server refused the token \(HTTP 401\)/,
  );

  server.kill("SIGTERM");
  expect(await exited).toBe(0);
  const messages = records().map((r) => r.msg);
  expect(messages.slice(-2)).toEqual(["stopping", "stopped"]);
  expect(records().find((r) => r.msg === "stopping")).toMatchObject({ signal: "SIGTERM" });
});

it("refuses a retention too short for clients to fetch their receipts", async () => {
  const failed = await runPaas(["prover-server", "--keep-finished", "30s"]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain(
    `option '--keep-finished <age>' argument '30s' is invalid. --keep-finished must be at least 1m (clients fetch a receipt after its job ends), got "30s"`,
  );
});

it("refuses to listen beyond loopback without a token", async () => {
  const datadir = path.join(dir, "exposed");
  const failed = await runPaas(["prover-server", "--host", "0.0.0.0", "--datadir", datadir]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toBe(
    "error (INVALID_CONFIG): --host 0.0.0.0 is reachable beyond this machine: give --token (or PAAS_PROVER_SERVER_TOKEN) so only your clients can use it\n",
  );
  expect(() => statSync(datadir)).toThrow(/ENOENT/);
});

it("refuses a data directory it cannot make or may not write in, by --datadir", async () => {
  const file = path.join(dir, "not-a-directory");
  writeFileSync(file, "");
  // No one may write in /proc/self, root included (tests run as root, whom a mode does not stop):
  // as a host directory of another user's mounted into a container.
  const [atFile, unwritable] = await Promise.all([
    runPaas(["prover-server", "--port", "0", "--datadir", file]),
    runPaas(["prover-server", "--port", "0", "--datadir", "/proc/self"]),
  ]);
  expect(atFile.code).toBe(1);
  expect(atFile.stderr).toBe(
    `error (INVALID_CONFIG): --datadir: ${file} cannot be the data directory: a file is in the way (it, or a directory above it, is not a directory)\n`,
  );
  expect(unwritable.code).toBe(1);
  expect(unwritable.stderr).toMatch(
    /^error \(INVALID_CONFIG\): --datadir: \/proc\/self cannot be the data directory: this process \(uid \d+\) may not write in it \(E[A-Z]+\)/,
  );
});

it("never prints a token from the environment, in help or after a usage error", async () => {
  const secret = "server-secret-0123456789abcdef";
  const help = await runPaas(["prover-server", "--help"], { PAAS_PROVER_SERVER_TOKEN: secret });
  expect(help.stdout).toMatch(/env:\s+PAAS_PROVER_SERVER_TOKEN/);
  const typo = await runPaas(["prover-server", "--prot", "1"], { PAAS_PROVER_SERVER_TOKEN: secret });
  expect(typo.code).toBe(1);
  for (const run of [help, typo]) expect(run.stdout + run.stderr).not.toContain(secret);
});

it("refuses a log level it does not know and a Host name with a port, before starting", async () => {
  const level = await runPaas(["prover-server", "--datadir", path.join(dir, "a"), "--log-level", "verbose"]);
  expect(level.code).toBe(1);
  expect(level.stderr).toContain(
    "argument 'verbose' is invalid. Allowed choices are fatal, error, warn, info, debug, trace.",
  );
  expect(level.stderr).not.toMatch(/\n\s+at /);
  // The Host check compares names without ports: "proxy.local:8080" would refuse every request.
  const host = await runPaas([
    "prover-server",
    "--datadir",
    path.join(dir, "b"),
    "--allowed-hosts",
    "proxy.local:8080",
  ]);
  expect(host.code).toBe(1);
  expect(host.stderr).toContain(
    `--allowed-hosts: "proxy.local:8080" is not a host name without a port (the Host header's port is not compared)`,
  );
});
