/**
 * The prover client deployed as an operator deploys it: the app, its plugins and what they import
 * packed from their builds (`npm pack`), installed from the tarballs into a directory outside the
 * workspace, configured there, and run with plain node — no TypeScript loader installed, none in
 * the process. It proves checkpoints of the embedded devnet, which it starts from its build too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  APP_PACKAGES,
  installApp,
  packWorkspaces,
  type RunningApp,
  rpcCall,
  startNode,
  WORKSPACE_ROOT,
} from "../../scenarios/packed-app.js";

const work = mkdtempSync(path.join(tmpdir(), "paas-packed-app-"));
const appDir = path.join(work, "app");
let app: RunningApp | undefined;

beforeAll(() => {
  const tarballs = packWorkspaces(APP_PACKAGES, path.join(work, "tarballs"));
  installApp(appDir, tarballs);
}, 180_000);

afterAll(async () => {
  await app?.stop();
  rmSync(work, { recursive: true, force: true });
});

it("is installed outside the workspace, with its bin naming the built entry and no tsx", () => {
  expect(path.relative(WORKSPACE_ROOT, appDir).startsWith("..")).toBe(true);
  const require = createRequire(path.join(appDir, "package.json"));
  expect(() => require.resolve("tsx")).toThrow();
  expect(existsSync(path.join(appDir, "node_modules/.bin/paas"))).toBe(true);
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
  const [, devnetUrl] = await app.waitFor(/embedded devnet at (http:\/\/\S+)/, 60_000);
  // The devnet's CL holds the proof of checkpoint 0: the whole pipeline ran from dist/.
  const accepted = async () => {
    const latest = await rpcCall(devnetUrl!, "cl_getLatestCheckpointIndex");
    const unproven = await rpcCall(devnetUrl!, "cl_getNextUnprovenCheckpointIndex");
    return typeof latest === "number" && (unproven === null || (unproven as number) >= 1);
  };
  const deadline = Date.now() + 120_000;
  while (!(await accepted())) {
    if (Date.now() > deadline) throw new Error(`checkpoint 0 not accepted:\n${app.output().slice(-4_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(app.output()).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
});
