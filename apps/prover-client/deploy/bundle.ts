/**
 * A deployment bundle: our packages packed from their builds with `npm pack`, and beside them a
 * package.json naming the tarballs and a complete package-lock.json whose third-party entries are
 * the workspace's own. `npm ci --omit=dev` in the bundle installs exactly the versions the
 * workspace was tested with: a plain `npm install` of the tarballs would resolve their ranges
 * against the registry on the day, and an image built a month later would run dependencies
 * nobody tested. Used by the pack command (deploy/pack.ts), the Dockerfile through it, and the
 * tests that install the app outside the workspace.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

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

/** The embedded devnet's packages: a deployment that names its nodes leaves them out. */
export const DEVNET_PACKAGES: readonly string[] = ["packages/devchain", "apps/devnet"];

export interface CommandResult {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly output: string;
  readonly ms: number;
}

/**
 * The environment of commands run for a deployment: without what a test runner, Nx or npm set for
 * this process (NODE_OPTIONS carries the source condition; npm_config_* the calling npm's settings,
 * a `-w` among them when started by `npm run -w`), with npm offline: everything third-party comes
 * from the workspace's lockfile and npm's cache, never from what a registry holds today.
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

export const check = (result: CommandResult): CommandResult => {
  if (result.status !== 0) {
    throw new Error(`\`${result.command}\` exited ${result.status}:\n${result.output.slice(-4_000)}`);
  }
  return result;
};

interface Manifest {
  readonly name: string;
  readonly version: string;
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
      throw new Error(`${dir} is not built: run \`npm run build\` first`);
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
 * Makes `appDir` (created if needed) an app that depends on `tarballs`, with a complete lockfile:
 * its package.json names each tarball (relative to `appDir` when inside it, so a bundle can be
 * copied elsewhere whole), and npm completes the lockfile seeded with the workspace's entries
 * without installing anything. An existing package.json keeps its other fields.
 */
export function writeAppManifest(
  appDir: string,
  tarballs: ReadonlyMap<string, string>,
  root = WORKSPACE_ROOT,
): void {
  mkdirSync(appDir, { recursive: true });
  const dependencies = Object.fromEntries(
    [...tarballs].map(([name, file]) => {
      const relative = path.relative(appDir, file);
      return [name, `file:${relative.startsWith("..") ? file : relative}`];
    }),
  );
  const manifestFile = path.join(appDir, "package.json");
  const manifest = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>)
    : { name: "paas-deployment", version: "0.0.0", private: true, type: "module" };
  const app = { ...manifest, dependencies: { ...(manifest.dependencies as object), ...dependencies } };
  writeFileSync(manifestFile, `${JSON.stringify(app, null, 2)}\n`);
  writeFileSync(
    path.join(appDir, "package-lock.json"),
    `${JSON.stringify(seedLockfile(app, root), null, 2)}\n`,
  );
  // Adds our tarballs' entries (with their integrity) and prunes what nothing needs.
  check(run("npm", ["install", "--package-lock-only", "--ignore-scripts"], appDir));
}

interface LockEntry {
  readonly dev?: boolean;
  readonly link?: boolean;
  readonly [field: string]: unknown;
}

/**
 * The app's lockfile before npm completes it: its own entry and the workspace's third-party
 * entries that are not development-only.
 */
function seedLockfile(app: Record<string, unknown>, root: string): object {
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
