/**
 * The prover client deployed as an operator deploys it: the app, its plugins and what they import
 * packed from their builds (`npm pack`), installed from the tarballs into a directory outside the
 * workspace, configured there, and run with plain node — no TypeScript loader installed, none in
 * the process. It proves checkpoints of the embedded devnet, which it starts from its build too.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { APP_PACKAGES, packWorkspaces, run, WORKSPACE_ROOT } from "../../deploy/bundle.js";
import {
  installApp,
  installBundle,
  type RunningApp,
  rpcCall,
  startNode,
  tokenOfStartedApp,
} from "../../scenarios/packed-app.js";

const work = mkdtempSync(path.join(tmpdir(), "paas-packed-app-"));
const appDir = path.join(work, "app");
let app: RunningApp | undefined;
let lean: RunningApp | undefined;
/** The embedded devnet's URL, once the first app runs it. */
let devnetUrl: string | undefined;

/** A lockfile's packages by their path. */
const readLock = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, { version?: string }> }).packages;

beforeAll(() => {
  const tarballs = packWorkspaces(APP_PACKAGES, path.join(work, "tarballs"));
  installApp(appDir, tarballs);
}, 180_000);

afterAll(async () => {
  await lean?.stop();
  await app?.stop();
  // Three installs, ~37,000 files: removing them took over a minute on a loaded machine.
  rmSync(work, { recursive: true, force: true });
}, 120_000);

it("is installed outside the workspace, with its bin naming the built entry and no tsx", () => {
  expect(path.relative(WORKSPACE_ROOT, appDir).startsWith("..")).toBe(true);
  const require = createRequire(path.join(appDir, "package.json"));
  expect(() => require.resolve("tsx")).toThrow();
  expect(existsSync(path.join(appDir, "node_modules/.bin/paas"))).toBe(true);
  // A devnet of its own for trying a cluster on one machine, where @paas/devnet is installed.
  expect(existsSync(path.join(appDir, "node_modules/.bin/paas-devnet"))).toBe(true);
  const manifest = JSON.parse(
    readFileSync(path.join(appDir, "node_modules/@paas/prover-client/package.json"), "utf8"),
  ) as { bin: { paas: string } };
  expect(manifest.bin.paas).toBe("./dist/cli/main.js");
});

it("runs with plain node and proves checkpoints of the embedded devnet", { timeout: 150_000 }, async () => {
  writeFileSync(
    path.join(appDir, "paas.toml"),
    [
      'datadir = "data"',
      'plugins = ["@paas/plugin-evm-ee-stf", "@paas/plugin-cl-stf", "@paas/plugin-checkpoint"]',
      "[rpc]",
      "port = 0",
      "[progress]",
      "enabled = false",
      "[devnet]",
      "block_time_ms = 500",
      "slots_per_epoch = 2",
      "[plugin_settings.checkpoint]",
      "interval_ms = 100",
      "",
    ].join("\n"),
  );
  const entry = path.join(appDir, "node_modules/@paas/prover-client/dist/cli/main.js");
  app = startNode(entry, ["start", "--config", "paas.toml"], appDir);
  expect(app.child.spawnargs).toEqual([process.execPath, entry, "start", "--config", "paas.toml"]);
  [, devnetUrl] = await app.waitFor(/embedded devnet at (http:\/\/\S+)/, 60_000);
  // The devnet's CL holds the proof of checkpoint 0: the whole pipeline ran from dist/.
  const accepted = async () => {
    if (devnetUrl === undefined) return false;
    const latest = await rpcCall(devnetUrl, "cl_getLatestCheckpointIndex");
    const unproven = await rpcCall(devnetUrl, "cl_getNextUnprovenCheckpointIndex");
    return typeof latest === "number" && (unproven === null || (unproven as number) >= 1);
  };
  const deadline = Date.now() + 120_000;
  while (!(await accepted())) {
    if (Date.now() > deadline) throw new Error(`checkpoint 0 not accepted:\n${app.output().slice(-4_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(app.output()).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
});

it("installs without the devnet for production, refuses embedded mode then, and proves with node URLs", {
  timeout: 150_000,
}, async () => {
  // The operator's path: the pack command writes a bundle, copied elsewhere whole and installed
  // there with `npm ci`. The devnet is an optional peer dependency of the prover client: not
  // packed, npm leaves it out.
  const bundleDir = path.join(work, "bundle");
  const packed = run(
    process.execPath,
    ["--import", "tsx", "deploy/pack.ts", bundleDir, "--without-devnet"],
    path.join(WORKSPACE_ROOT, "apps/prover-client"),
    180_000,
  );
  expect(packed.status, packed.output).toBe(0);
  const leanDir = path.join(work, "lean");
  cpSync(bundleDir, leanDir, { recursive: true });
  rmSync(bundleDir, { recursive: true });
  // Third-party packages at the versions the workspace was tested with, not today's registry.
  const workspaceLock = readLock(path.join(WORKSPACE_ROOT, "package-lock.json"));
  const bundleLock = readLock(path.join(leanDir, "package-lock.json"));
  const thirdParty = Object.keys(bundleLock).filter(
    (key) => /^node_modules\/(?:@[^/]+\/)?[^/@]+$/.test(key) && !key.startsWith("node_modules/@paas/"),
  );
  expect(thirdParty).toContain("node_modules/fastify");
  for (const key of thirdParty) expect(bundleLock[key]?.version, key).toBe(workspaceLock[key]?.version);
  installBundle(leanDir);
  expect(existsSync(path.join(leanDir, "node_modules/@paas/devnet"))).toBe(false);
  expect(existsSync(path.join(leanDir, "node_modules/@paas/devchain"))).toBe(false);
  const entry = path.join(leanDir, "node_modules/@paas/prover-client/dist/cli/main.js");

  const embedded = startNode(
    entry,
    ["start", "--datadir", "embedded", "--port", "0", "--no-progress"],
    leanDir,
  );
  await new Promise((resolve) => embedded.child.once("exit", resolve));
  expect(embedded.child.exitCode).toBe(1);
  expect(embedded.output()).toContain("the embedded devnet needs the package @paas/devnet");

  // The first test's devnet stands in for a rollup's nodes.
  expect(devnetUrl).toBeDefined();
  const nodes = ["--cl-url", devnetUrl!, "--el-url", devnetUrl!];
  lean = startNode(entry, ["start", "--datadir", "data", "--port", "0", "--no-progress", ...nodes], leanDir);
  // Its stdout is a pipe: JSON log lines, the banner's facts one of them.
  const [, url] = await lean.waitFor(/"rpc":"(http:\/\/[^"]+)"/, 60_000);
  // Asking for a proof changes state: the token is the one the client wrote to its datadir.
  const token = tokenOfStartedApp(path.join(leanDir, "data"));
  const { id } = (await rpcCall(url!, "paas_proveElBlocks", [1, 2], token)) as { id: string };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = (await rpcCall(url!, "paas_getTaskStatus", [id])) as { status: string };
    if (task.status === "completed") break;
    // The API's names: a task that cannot complete any more ends the wait at once, not at the deadline.
    if (["permanent_failure", "cancelled"].includes(task.status) || Date.now() > deadline) {
      throw new Error(`EL blocks 1-2: ${JSON.stringify(task)}\n${lean.output().slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

it("loads the plugins' test utilities where each package sees only what it declares", {
  timeout: 120_000,
}, () => {
  // npm's linked strategy, pnpm's layout: a package resolves its own dependencies and nothing that
  // another package's dependencies hoisted beside it. (The checkpoint plugin's utilities need
  // @paas/testing, a peer this app does not install.)
  const linkedDir = path.join(work, "linked");
  mkdirSync(linkedDir);
  for (const file of ["package.json", "package-lock.json"]) {
    copyFileSync(path.join(appDir, file), path.join(linkedDir, file));
  }
  const install = [
    "install",
    "--offline",
    "--install-strategy=linked",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
  ];
  const installed = run("npm", install, linkedDir);
  expect(installed.status, installed.output).toBe(0);
  const loaded = run(
    process.execPath,
    [
      "--input-type=module",
      "--eval",
      'await import("@paas/plugin-evm-ee-stf/testing"); await import("@paas/plugin-cl-stf/testing");',
    ],
    linkedDir,
  );
  expect(loaded.output).toBe("");
  expect(loaded.status).toBe(0);
});
