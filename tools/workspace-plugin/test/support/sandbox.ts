import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { deploymentEnv } from "../../../../apps/prover-client/deploy/bundle.js";

/** The repository this test runs in. */
export const WORKSPACE_ROOT = resolve(import.meta.dirname, "../../../..");

/** Not copied: VCS data, Nx's cache and workspace data, build and test leftovers. */
const SKIPPED_DIRS = new Set([".git", ".nx", "dist", "coverage", "tmp", ".data"]);
/** Not linked from node_modules: Vite's caches, which belong to the copied projects. */
const SKIPPED_MODULES = new Set([".vite", ".vite-temp"]);
const SKIPPED_FILES = /\.(?:sqlite|sqlite-wal|sqlite-shm|db|tsbuildinfo)$/;

export interface CommandResult {
  readonly command: string;
  readonly status: number | null;
  /** stdout and stderr, interleaved as far as the pipes allow. */
  readonly output: string;
  readonly ms: number;
}

/**
 * A copy of the workspace in a temporary directory, to run generators and commands in without
 * touching the real one. Sources are copied; `node_modules` directories are hard-linked (fast, and
 * npm replaces rather than rewrites what it changes), except npm's own lockfile inside them, which
 * npm rewrites in place and is therefore copied. The copy is taken under /tmp/npm.lock, the lock
 * installs in this workspace hold, so it never sees a half-finished install.
 */
export class Sandbox {
  private constructor(readonly root: string) {}

  /**
   * `withoutPlugins`: kinds whose plugin (directory, workspace link, tsconfig path) the copy leaves
   * out, so that a test generating them works even when someone has generated them for real.
   * `withBuilds`: the projects' dist/ directories come along (hard-linked), for commands that run
   * or pack built packages.
   */
  static create(
    options: { source?: string; withoutPlugins?: readonly string[]; withBuilds?: boolean } = {},
  ): Sandbox {
    const source = options.source ?? WORKSPACE_ROOT;
    const root = mkdtempSync(join(tmpdir(), "paas-proof-plugin-"));
    const sandbox = new Sandbox(root);
    try {
      const moduleDirs: string[] = [];
      const buildDirs: string[] = [];
      copySources(source, root, moduleDirs, buildDirs);
      linkModules(source, root, moduleDirs);
      if (options.withBuilds) linkBuilds(source, root, buildDirs);
      for (const kind of options.withoutPlugins ?? []) removePlugin(root, kind);
    } catch (error) {
      sandbox.dispose();
      throw error;
    }
    return sandbox;
  }

  /** Runs a shell command from the sandbox's root (or `cwd` inside it), with a clean environment. */
  run(command: string, options: { cwd?: string; timeoutMs?: number } = {}): CommandResult {
    const started = performance.now();
    const result = spawnSync("bash", ["-c", `${command} 2>&1`], {
      cwd: join(this.root, options.cwd ?? ""),
      env: commandEnv(),
      encoding: "utf8",
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${result.stdout ?? ""}${result.error ? `\n${result.error.message}` : ""}`;
    return { command, status: result.status, output, ms: Math.round(performance.now() - started) };
  }

  /** Every file outside node_modules and .nx, relative to the root: to check a dry run wrote nothing. */
  files(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules" || entry.name === ".nx") continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else found.push(relative(this.root, path));
      }
    };
    walk(this.root);
    return found.sort();
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function copySources(from: string, to: string, moduleDirs: string[], buildDirs: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.name === "node_modules") {
      moduleDirs.push(source);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else if (entry.isDirectory()) {
      if (entry.name === "dist") buildDirs.push(source);
      if (!SKIPPED_DIRS.has(entry.name)) copySources(source, target, moduleDirs, buildDirs);
    } else if (entry.isFile() && !SKIPPED_FILES.test(entry.name)) {
      copyFileSync(source, target);
    }
  }
}

function linkModules(source: string, root: string, moduleDirs: readonly string[]): void {
  const commands: string[] = [];
  for (const dir of moduleDirs) {
    const target = join(root, relative(source, dir));
    const entries = readdirSync(dir).filter((name) => !SKIPPED_MODULES.has(name));
    if (entries.length === 0) continue;
    commands.push(
      `mkdir -p ${quote(target)}`,
      `cp -al ${entries.map((name) => quote(join(dir, name))).join(" ")} ${quote(target)}/`,
    );
    if (entries.includes(".package-lock.json")) {
      commands.push(
        `rm ${quote(join(target, ".package-lock.json"))}`,
        `cp ${quote(join(dir, ".package-lock.json"))} ${quote(join(target, ".package-lock.json"))}`,
      );
    }
  }
  // package-lock.json was copied with the sources; copy it again under the lock, with node_modules.
  commands.push(`cp ${quote(join(source, "package-lock.json"))} ${quote(join(root, "package-lock.json"))}`);
  const script = commands.join(" && ");
  const locked = existsSync("/usr/bin/flock") || existsSync("/bin/flock");
  const result = locked
    ? spawnSync("flock", ["/tmp/npm.lock", "bash", "-c", script], { encoding: "utf8" })
    : spawnSync("bash", ["-c", script], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`linking node_modules failed: ${result.stderr}`);
}

/**
 * Hard-links the projects' builds into the copy: fast, and safe as long as nothing in the copy builds
 * them again (tsc would write through the links into this workspace): tests build only what they
 * generate.
 */
function linkBuilds(source: string, root: string, buildDirs: readonly string[]): void {
  const script = buildDirs
    .map((dir) => `cp -al ${quote(dir)} ${quote(join(root, relative(source, dir)))}`)
    .join(" && ");
  if (script === "") return;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`linking the builds failed: ${result.stderr}`);
}

function removePlugin(root: string, kind: string): void {
  const packageName = `@paas/plugin-${kind}`;
  rmSync(join(root, "plugins", kind), { recursive: true, force: true });
  rmSync(join(root, "node_modules", packageName), { force: true });
  const file = join(root, "tsconfig.base.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  if (config.compilerOptions?.paths?.[packageName] !== undefined) {
    delete config.compilerOptions.paths[packageName];
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  }
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * The environment commands run with: a deployment's (`deploymentEnv`: nothing the test runner, Nx
 * or npm set for this process, whose NX_WORKSPACE_ROOT_PATH or npm_config_* would point them at the
 * real workspace; npm offline), with Nx's daemon and cloud off.
 */
function commandEnv(): NodeJS.ProcessEnv {
  return { ...deploymentEnv(), CI: "true", NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false" };
}
