/**
 * A deployment as an operator makes one: our packages packed with `npm pack` from their builds,
 * installed from the tarballs into an app directory outside the workspace, and run with plain
 * node. Used by the built-app test here and by the generator tests in tools/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { readRpcTokenFile } from "@paas/jsonrpc";
import {
  type CommandResult,
  check,
  deploymentEnv,
  run,
  WORKSPACE_ROOT,
  writeAppManifest,
} from "../deploy/bundle.js";

/** Installs tarballs into `appDir` as a deployment bundle (deploy/bundle.ts), then installs that. */
export function installApp(
  appDir: string,
  tarballs: ReadonlyMap<string, string>,
  root = WORKSPACE_ROOT,
): CommandResult {
  writeAppManifest(appDir, tarballs, root);
  return installBundle(appDir, root);
}

/**
 * Installs a deployment bundle where it lies as an operator does, `npm ci --omit=dev`, offline.
 * Install scripts are skipped: better-sqlite3 would compile for minutes (its prebuilt binaries
 * are out of reach here), so its addon is copied from the workspace's install — the same
 * version, built for this Node.js.
 */
export function installBundle(appDir: string, root = WORKSPACE_ROOT): CommandResult {
  const installed = check(run("npm", ["ci", "--omit=dev", "--ignore-scripts"], appDir));
  const addon = "better-sqlite3/build/Release/better_sqlite3.node";
  if (existsSync(path.join(appDir, "node_modules", "better-sqlite3"))) {
    mkdirSync(path.dirname(path.join(appDir, "node_modules", addon)), { recursive: true });
    copyFileSync(path.join(root, "node_modules", addon), path.join(appDir, "node_modules", addon));
  }
  return installed;
}

export interface RunningApp {
  readonly child: ChildProcess;
  /** What it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `pattern` in its output. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Starts `node <entry> <args>` in `cwd`, with the deployment's environment and nothing else. */
export function startNode(entry: string, args: readonly string[], cwd: string): RunningApp {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd,
    env: deploymentEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let said = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    said += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    said += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => said,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = () => {
          const match = pattern.exec(said);
          if (match) return resolve(match);
          if (child.exitCode !== null || Date.now() > deadline) {
            return reject(new Error(`no ${pattern} in the app's output:\n${said.slice(-4_000)}`));
          }
          setTimeout(poll, 100);
        };
        poll();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/**
 * One JSON-RPC call over fetch: the deployment is tested from outside, as a client sees it, with
 * `token` for a method that changes state.
 */
export async function rpcCall(
  url: string,
  method: string,
  params: unknown[] = [],
  token?: string,
): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** The token a started app wrote to its data directory, which its calls that change state send. */
export function tokenOfStartedApp(datadir: string): string {
  const written = readRpcTokenFile(datadir);
  if (written === undefined) throw new Error(`no rpc-token in ${datadir}: has the app started?`);
  return written.token;
}
