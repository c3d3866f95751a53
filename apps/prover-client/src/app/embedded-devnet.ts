import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidConfigError } from "@paas/core";
import type { LOG_LEVELS } from "../config/shared-rules.js";
import { type DevnetLog, openDevnetLog } from "./devnet-log.js";
import { unlessStopped } from "./unless-stopped.js";

export interface EmbeddedDevnetOptions {
  readonly dataDir: string;
  readonly blockTimeMs: number;
  readonly slotsPerEpoch: number;
  readonly seed: string;
  readonly chainId: number;
  /** The prover's native host public key, which the devnet's CL trusts for checkpoint proofs. */
  readonly proverPublicKey: string;
  readonly checkpointProgramId: string;
  /** What its log keeps: the client's `log_level` (default info, a line per slot). */
  readonly logLevel?: (typeof LOG_LEVELS)[number];
  /** How much of its output may wait in memory for a disk slower than it (default 4 MiB). */
  readonly logBacklogBytes?: number;
  readonly startTimeoutMs?: number;
  /** A stop while it starts: the devnet is stopped, and the start rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface EmbeddedDevnet {
  readonly url: string;
  /** Where the devnet's own output goes. */
  readonly logFile: string;
  /**
   * Settles if the devnet exits on its own after it started (a crash, the OOM killer, a kill), with
   * what happened; never once `close()` was called. Without it the prover client has no chain.
   */
  readonly exitedUnexpectedly: Promise<string>;
  close(): Promise<void>;
}

/**
 * Runs the devnet as a managed child process: its EVM block production is CPU-heavy and must not
 * share the prover's event loop (RPC latency, progress view). Its output goes to
 * `<dataDir>/devnet.log`; it stops with the prover.
 */
export async function startEmbeddedDevnet(options: EmbeddedDevnetOptions): Promise<EmbeddedDevnet> {
  const command = devnetCommand();
  // Owner only, as the devnet makes a directory of its own: it holds the sequencer's key.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(options.dataDir, "devnet.log");
  const log = openDevnetLog(logFile, options.logBacklogBytes ?? 4 * 1024 * 1024);
  const child = spawn(
    process.execPath,
    [
      ...command,
      ...["--port", "0", "--data-dir", options.dataDir, "--seed", options.seed],
      ...["--block-time", String(options.blockTimeMs), "--slots-per-epoch", String(options.slotsPerEpoch)],
      ...["--chain-id", String(options.chainId), "--prover-pubkey", options.proverPublicKey],
      ...["--checkpoint-program-id", options.checkpointProgramId],
      ...["--log-level", options.logLevel ?? "info"],
      // Its stdin is a pipe this process holds open: killed, even by SIGKILL, it closes, and the
      // devnet stops rather than keep the chain's lock (a restart would be refused it).
      "--stop-with-parent",
    ],
    // A process group of its own: a terminal's Ctrl-C, sent to the whole foreground group, is for
    // the client, which stops the devnet after its own work. Signalled too, the devnet could exit
    // first, and the client reported its devnet dying under it.
    { stdio: ["pipe", "pipe", "pipe"], detached: true },
  );
  const toLog = (chunk: Buffer) => log.write(chunk);
  child.stderr.on("data", toLog);
  // The end of what it said on stderr, for the error when it does not start (e.g. a data
  // directory holding a chain made with other devnet settings).
  let said = "";
  child.stderr.on("data", (chunk: Buffer) => {
    said = (said + chunk.toString()).slice(-2_000);
  });
  try {
    const { url, seen } = await unlessStopped(
      listeningUrl(child, options.startTimeoutMs ?? 60_000),
      options.signal,
    );
    // What was read to find the URL is the log's first lines: without it the log never said where
    // the devnet listened.
    toLog(seen);
    child.stdout.on("data", toLog);
    let closing = false;
    const exitedUnexpectedly = new Promise<string>((resolve) => {
      // "close", not "exit": by then its stderr has been read to the end, its last words included.
      child.once("close", (code, signal) => {
        if (!closing) {
          resolve(
            `the embedded devnet exited unexpectedly (${signal ?? `code ${code}`})${lastLineOf(said)} (its log: ${logFile})`,
          );
        }
      });
    });
    return {
      url,
      logFile,
      exitedUnexpectedly,
      close: () => {
        closing = true;
        return stop(child, log);
      },
    };
  } catch (error) {
    await stop(child, log);
    if (options.signal?.aborted) throw options.signal.reason;
    throw new InvalidConfigError(
      `the embedded devnet did not start (see ${logFile}): ${(error as Error).message}${lastLineOf(said)}`,
    );
  }
}

/** The last line the devnet wrote on stderr, as a suffix to an error message ("" when none). */
function lastLineOf(said: string): string {
  const line = said.trim().split("\n").at(-1);
  return line ? `: ${line}` : "";
}

/**
 * How to start the devnet's CLI. The devnet is an optional peer dependency, looked up only here, so a
 * production install that names its nodes need not have it. Built, its CLI is JavaScript for plain
 * node; in the repository's development mode (the package resolved to its TypeScript sources) it
 * runs through tsx, resolving our packages to their sources too.
 */
function devnetCommand(): string[] {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("@paas/devnet");
  } catch {
    throw new InvalidConfigError(
      "the embedded devnet needs the package @paas/devnet, which is not installed: install it, or configure the rollup's nodes (nodes.cl_url and nodes.el_url)",
    );
  }
  const main = path.join(path.dirname(entry), entry.endsWith(".ts") ? "main.ts" : "main.js");
  if (!entry.endsWith(".ts")) return [main];
  // tsx by path: `--import tsx` would resolve from the working directory, which may be anywhere.
  return ["--conditions=@paas/source", "--import", pathToFileURL(require.resolve("tsx")).href, main];
}

/** The URL the devnet prints once it listens, and its output up to there. */
function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<{ url: string; seen: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const seen = Buffer.concat(chunks);
      const match = /devnet listening on (http:\/\/\S+)/.exec(seen.toString());
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve({ url: match[1]!, seen });
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code ?? signal}`));
    });
  });
}

async function stop(child: ChildProcess, log: DevnetLog): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(killer);
  }
  await log.close();
}
