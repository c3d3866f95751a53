/**
 * A deployment as an operator makes one: our packages packed with `npm pack` from their builds,
 * installed from the tarballs into an app directory outside the workspace, and run with plain
 * node. Used by the built-app test here and by the generator tests in tools/.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readRpcTokenFile } from "@paas/jsonrpc";

/** The repository this runs in. */
export const WORKSPACE_ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * What a deployment of the prover client installs, by workspace directory: the app, the plugins it
 * loads by default, everything of ours they import, and the devnet for embedded mode.
 */
export const APP_PACKAGES: readonly string[] = [
  "packages/core",
  "packages/zkvm",
  "packages/jsonrpc",
  "packages/rollup",
  "packages/evm",
  "packages/prover-server",
  "packages/devchain",
  "plugins/evm-ee-stf",
  "plugins/cl-stf",
  "plugins/checkpoint",
  "apps/devnet",
  "apps/prover-client",
];

export interface CommandResult {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly output: string;
  readonly ms: number;
}

/**
 * The environment of commands run on the deployment: without what the test runner, Nx or npm set
 * for this process (NODE_OPTIONS carries the source condition, npm_config_* the workspace's npm
 * settings), with npm offline (this machine reaches no registry, and everything third-party is in
 * npm's cache since the workspace was installed).
 */
export function deploymentEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(?:NX_|VITEST|npm_|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$|TEST$)/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
}

export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 120_000,
): CommandResult {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env: deploymentEnv(),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`;
  return {
    command: [command, ...args].join(" "),
    status: result.status,
    stdout: result.stdout ?? "",
    output,
    ms: Math.round(performance.now() - started),
  };
}

const check = (result: CommandResult): CommandResult => {
  if (result.status !== 0) {
    throw new Error(`\`${result.command}\` exited ${result.status}:\n${result.output.slice(-4_000)}`);
  }
  return result;
};

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly exports?: Record<string, unknown>;
}

/**
 * Packs workspace packages (directories relative to `root`) into `destination` with one npm run;
 * returns the tarball of each package name. Refuses a package that was not built: a tarball
 * without dist/ would install and then fail at run time.
 */
export function packWorkspaces(
  dirs: readonly string[],
  destination: string,
  root = WORKSPACE_ROOT,
): Map<string, string> {
  for (const dir of dirs) {
    if (!existsSync(path.join(root, dir, "dist", "index.js"))) {
      throw new Error(
        `${dir} is not built: run \`npm run build\` (Nx builds it before this project's tests)`,
      );
    }
  }
  mkdirSync(destination, { recursive: true });
  const result = check(
    run(
      "npm",
      [
        "pack",
        "--json",
        "--ignore-scripts",
        "--pack-destination",
        destination,
        ...dirs.flatMap((d) => ["-w", d]),
      ],
      root,
    ),
  );
  const packed = JSON.parse(result.stdout) as { name: string; filename: string }[];
  return new Map(packed.map((p) => [p.name, path.join(destination, p.filename)]));
}

/**
 * Installs tarballs into `appDir` (created if needed, with a package.json naming them), offline.
 * npm resolves third-party dependencies from registry metadata, which its cache does not hold
 * (the workspace was installed from its lockfile, which names tarballs, not ranges): so the app
 * gets a lockfile too, the workspace's entries for every production dependency, and npm fetches
 * exactly those tarballs from its cache. Install scripts are skipped: better-sqlite3 would compile
 * for minutes (its prebuilt binaries are out of reach here), so its addon is copied from the
 * workspace's install — the same version, built for this Node.js.
 */
export function installApp(
  appDir: string,
  tarballs: ReadonlyMap<string, string>,
  root = WORKSPACE_ROOT,
): CommandResult {
  mkdirSync(appDir, { recursive: true });
  const dependencies = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
  const manifestFile = path.join(appDir, "package.json");
  const manifest = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>)
    : { name: path.basename(appDir), version: "0.0.0", private: true, type: "module" };
  const app = { ...manifest, dependencies: { ...(manifest.dependencies as object), ...dependencies } };
  writeFileSync(manifestFile, `${JSON.stringify(app, null, 2)}\n`);
  writeFileSync(
    path.join(appDir, "package-lock.json"),
    `${JSON.stringify(appLockfile(app, root), null, 2)}\n`,
  );
  const installed = check(
    run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], appDir),
  );
  const addon = "better-sqlite3/build/Release/better_sqlite3.node";
  if (existsSync(path.join(appDir, "node_modules", "better-sqlite3"))) {
    mkdirSync(path.dirname(path.join(appDir, "node_modules", addon)), { recursive: true });
    copyFileSync(path.join(root, "node_modules", addon), path.join(appDir, "node_modules", addon));
  }
  return installed;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly link?: boolean;
  readonly [field: string]: unknown;
}

/**
 * A lockfile for the app: its own entry and the workspace's third-party entries that are not
 * development-only. npm adds our tarballs' entries and prunes what nothing needs.
 */
function appLockfile(app: Record<string, unknown>, root: string): object {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, unknown> = {
    "": { name: app.name, version: app.version, dependencies: app.dependencies },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (entry.dev || entry.link) continue;
    if (key.startsWith("node_modules/")) {
      packages[key] = entry;
      continue;
    }
    // A workspace's own nested copy (a version its siblings do not share) moves under its package.
    const nested = /^((?:packages|plugins|apps)\/[^/]+)\/(node_modules\/.+)$/.exec(key);
    if (!nested) continue;
    const owner = JSON.parse(readFileSync(path.join(root, nested[1]!, "package.json"), "utf8")) as Manifest;
    packages[`node_modules/${owner.name}/${nested[2]}`] = entry;
  }
  return { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages };
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
