/**
 * The prover-app generator, and plugins as npm packages. On an in-memory tree: what it writes and
 * what it refuses. For real, in a copy of the workspace with its builds: a freshly generated plugin
 * and an app composing it with two of the rollup's plugins, whose own tests pass at once (its bin,
 * run with plain node on the build, proves); then the generated plugin, built and packed with
 * `npm pack`, installed from the tarball into an app directory outside the workspace, named in the
 * config, loads and proves there.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_PACKAGES, packWorkspaces } from "../../../apps/prover-client/deploy/bundle.js";
import {
  installApp,
  type RunningApp,
  rpcCall,
  startNode,
  tokenOfStartedApp,
} from "../../../apps/prover-client/scenarios/packed-app.js";
import { ROLLUP_PROOF_TYPES } from "../src/generators/proof-plugin/workspace.js";
import { proverAppGenerator } from "../src/generators/prover-app/generator.js";
import { ProverAppOptionsError, type ProverAppSchema } from "../src/generators/prover-app/options.js";
import { type CommandResult, Sandbox, WORKSPACE_ROOT } from "./support/sandbox.js";
import { writtenUnder } from "./support/tree.js";

/**
 * A tree with the workspace's root package.json, the rollup's plugins and app manifests, the
 * rollup's proof types and the plugins' @ProofPlugin registrations (which declare `dependsOn`).
 */
function seededTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  const copy = (file: string) => tree.write(file, readFileSync(join(WORKSPACE_ROOT, file), "utf8"));
  copy("package.json");
  copy(ROLLUP_PROOF_TYPES);
  for (const dir of [
    "plugins/evm-ee-stf",
    "plugins/cl-stf",
    "plugins/checkpoint",
    "apps/prover-client",
    "packages/core",
  ]) {
    copy(`${dir}/package.json`);
    if (dir.startsWith("plugins/")) copy(`${dir}/src/plugin.ts`);
  }
  return tree;
}

const read = (tree: Tree, file: string) => tree.read(file, "utf-8") ?? "";
const generate = (tree: Tree, options: ProverAppSchema) =>
  proverAppGenerator(tree, { skipInstall: true, ...options });

describe("prover-app generator", () => {
  it("scaffolds apps/<name>: config, bin, README and tests composing the chosen plugins", async () => {
    const tree = seededTree();
    await generate(tree, { name: "rollup-prover", plugins: "evm-ee-stf,cl-stf" });
    const root = "apps/rollup-prover";
    const files = writtenUnder(tree, root);
    expect(files).toEqual(
      [
        "README.md",
        "bin/rollup-prover.mjs",
        "paas.toml",
        "package.json",
        "test/rollup-prover.test.ts",
        "tsconfig.json",
        "vitest.config.ts",
      ].map((f) => `${root}/${f}`),
    );
    const pkg = JSON.parse(read(tree, `${root}/package.json`));
    expect(pkg).toMatchObject({
      name: "@paas/app-rollup-prover",
      bin: { "rollup-prover": "./bin/rollup-prover.mjs" },
      dependencies: {
        "@paas/prover-client": "*",
        "@paas/plugin-evm-ee-stf": "*",
        "@paas/plugin-cl-stf": "*",
      },
      devDependencies: { "@paas/devnet": "*" },
      peerDependencies: { "@paas/devnet": "*" },
      peerDependenciesMeta: { "@paas/devnet": { optional: true } },
      nx: {
        name: "rollup-prover",
        tags: ["scope:rollup-prover", "type:app"],
        targets: { test: { dependsOn: ["^build"] } },
      },
    });
    expect(read(tree, `${root}/paas.toml`)).toContain(
      'plugins = ["@paas/plugin-evm-ee-stf", "@paas/plugin-cl-stf"]',
    );
    expect(read(tree, `${root}/bin/rollup-prover.mjs`)).toContain('await import("@paas/prover-client/cli")');
  });

  it("sets node_url only for plugins whose settings take it, and names the others' README", async () => {
    const tree = seededTree();
    const plugin = (name: string, settings: string) => {
      tree.write(
        `plugins/${name}/package.json`,
        JSON.stringify({ name: `@paas/plugin-${name}`, nx: { name, tags: ["type:plugin"] } }),
      );
      tree.write(`plugins/${name}/src/settings.ts`, settings);
    };
    plugin("scaffolded", "export const Schema = z.strictObject({ node_url: z.url(), timeout_ms: z.int() });");
    plugin("own-settings", "export const Schema = z.strictObject({ horizon: z.int() });");
    await generate(tree, { name: "mixed-prover", plugins: "scaffolded,own-settings" });
    const toml = read(tree, "apps/mixed-prover/paas.toml");
    expect(toml).toContain('[plugin_settings.scaffolded]\nnode_url = "http://127.0.0.1:8545"');
    expect(toml).not.toMatch(/^\[plugin_settings\.own-settings\]/m);
    expect(toml).toContain(
      "# [plugin_settings.own-settings]: its settings, as @paas/plugin-own-settings's README lists them",
    );
  });

  it("refuses a plugin without the plugins its @ProofPlugin depends on, through other plugins too", async () => {
    const tree = seededTree();
    tree.write(
      "plugins/demo-epoch/package.json",
      JSON.stringify({ name: "@paas/plugin-demo-epoch", nx: { name: "demo-epoch", tags: ["type:plugin"] } }),
    );
    // As the proof-plugin generator writes it with --dependsOn checkpoint.
    tree.write(
      "plugins/demo-epoch/src/plugin.ts",
      '@ProofPlugin({ kind: "demo-epoch", dependsOn: ["checkpoint"] })',
    );
    await expect(generate(tree, { name: "x", plugins: "evm-ee-stf,demo-epoch" })).rejects.toThrow(
      '--plugins "demo-epoch" depends on checkpoint and cl-stf, whose proofs only a loaded plugin makes: add checkpoint,cl-stf',
    );
    expect(tree.exists("apps/x")).toBe(false);
    await generate(tree, { name: "x", plugins: "evm-ee-stf,cl-stf,checkpoint,demo-epoch" });
    expect(tree.exists("apps/x/paas.toml")).toBe(true);
  });

  it("refuses a name that is already a command, which the app's bin would replace in node_modules/.bin", async () => {
    const tree = seededTree();
    // An installed package's bin, as npm links it at the workspace root.
    tree.write("node_modules/.bin/vitest", "#!/usr/bin/env node\n");
    await expect(generate(tree, { name: "vitest", plugins: "evm-ee-stf" })).rejects.toThrow(
      /"vitest" is already a command of the workspace \(node_modules\/\.bin\/vitest\)/,
    );
    // A workspace package's bin, linked or not yet.
    tree.write(
      "tools/workspace-plugin/package.json",
      JSON.stringify({ name: "@paas/tools", bin: { "paas-run-examples": "./bin/run-examples.ts" } }),
    );
    await expect(generate(tree, { name: "paas-run-examples", plugins: "evm-ee-stf" })).rejects.toThrow(
      /"paas-run-examples" is already a command of the workspace \(the bin of @paas\/tools\)/,
    );
    expect(tree.exists("apps/vitest")).toBe(false);
    expect(tree.exists("apps/paas-run-examples")).toBe(false);
  });

  it.each([
    ["Bad_Name", "evm-ee-stf", "is not a valid app name"],
    ["prover-client", "evm-ee-stf", '"prover-client" already exists'],
    // The workspace root's project (package.json) and a property of every object: Nx cannot take them.
    ["paas", "evm-ee-stf", '"paas" already exists'],
    ["constructor", "evm-ee-stf", '"constructor" cannot name an Nx project'],
    ["x", "", "names no plugin"],
    ["x", "evm-ee-stf,nope", '"nope" is not a plugin of this workspace'],
    ["x", "evm-ee-stf,evm-ee-stf", "is given twice"],
    ["x", "cl-stf", '"cl-stf" depends on evm-ee-stf'],
    ["x", "evm-ee-stf,checkpoint", '"checkpoint" depends on cl-stf'],
  ])("refuses %s with --plugins %s, writing nothing", async (name, plugins, message) => {
    const tree = seededTree();
    const before = tree.listChanges().length;
    await expect(generate(tree, { name, plugins })).rejects.toThrow(ProverAppOptionsError);
    await expect(generate(tree, { name, plugins })).rejects.toThrow(message);
    expect(tree.listChanges().length).toBe(before);
  });
});

describe("a generated plugin and app, for real", () => {
  const PLUGIN = "demo-sum";
  const APP = "demo-app";
  let sandbox: Sandbox;
  let outside: string;
  let app: RunningApp | undefined;
  let node: Server | undefined;
  const results: CommandResult[] = [];

  const run = (command: string, cwd?: string) => {
    const result = sandbox.run(command, { timeoutMs: 240_000, ...(cwd !== undefined && { cwd }) });
    results.push(result);
    expect(result.status, `\`${command}\` exited ${result.status}:\n${result.output.slice(-4_000)}`).toBe(0);
    return result;
  };

  beforeAll(() => {
    sandbox = Sandbox.create({ withoutPlugins: [PLUGIN], withBuilds: true });
    outside = mkdtempSync(join(tmpdir(), "paas-generated-plugin-"));
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await new Promise((resolve) => (node ? node.close(resolve) : resolve(undefined)));
    sandbox?.dispose();
    if (outside) rmSync(outside, { recursive: true, force: true });
    for (const r of results) console.log(`${String(r.ms).padStart(6)} ms  ${r.command}`);
  });

  it("generates a plugin and an app composing it, whose tests pass at once", { timeout: 400_000 }, () => {
    run(`npx nx g @paas/tools:proof-plugin ${PLUGIN}`);
    run(`npx nx g @paas/tools:prover-app ${APP} --plugins evm-ee-stf,cl-stf,${PLUGIN}`);
    // The app's tests run it from the build of what it composes: build the new plugin (the rest
    // came built with the copy).
    run(`npx tsc -p plugins/${PLUGIN}/tsconfig.build.json`);
    run("npx biome check .", `apps/${APP}`);
    run("npx tsc -p tsconfig.json", `apps/${APP}`);
    run("npx vitest run", `apps/${APP}`);
  });

  it("packs the generated plugin, installs it outside the workspace, and proves with it", {
    timeout: 300_000,
  }, async () => {
    const tarballs = packWorkspaces(APP_PACKAGES, join(outside, "tarballs"));
    for (const [name, file] of packWorkspaces(
      [`plugins/${PLUGIN}`],
      join(outside, "tarballs"),
      sandbox.root,
    )) {
      tarballs.set(name, file);
    }
    const appDir = join(outside, "app");
    installApp(appDir, tarballs);

    // The node its fetcher reads: demoSum_getValue(n) answers n².
    node = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: number[] };
        const answer =
          method === "demoSum_getValue"
            ? { result: (params[0] ?? 0) ** 2 }
            : { error: { code: -32601, message: `no method ${method}` } };
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ jsonrpc: "2.0", id, ...answer }));
      });
    });
    await new Promise<void>((resolve) => node?.listen(0, "127.0.0.1", resolve));
    const nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}/`;

    writeFileSync(
      join(appDir, "paas.toml"),
      [
        'datadir = "data"',
        `plugins = ["@paas/plugin-${PLUGIN}"]`,
        "[rpc]",
        "port = 0",
        "[progress]",
        "enabled = false",
        `[plugin_settings.${PLUGIN}]`,
        `node_url = "${nodeUrl}"`,
        "",
      ].join("\n"),
    );
    app = startNode(
      join(appDir, "node_modules/@paas/prover-client/dist/cli/main.js"),
      ["start", "--config", "paas.toml"],
      appDir,
    );
    // Its stdout is a pipe: JSON log lines, the banner's facts one of them.
    const [, url] = await app.waitFor(/"rpc":"(http:\/\/[^"]+)"/, 90_000);
    // Submitting changes state: the token is the one the client wrote to its datadir at start.
    const token = tokenOfStartedApp(join(appDir, "data"));
    const { id } = (await rpcCall(url!, "paas_submitTask", [{ kind: PLUGIN, n: 7 }], token)) as {
      id: string;
    };
    const deadline = Date.now() + 60_000;
    let status = "";
    while (status !== "completed") {
      const task = (await rpcCall(url!, "paas_getTaskStatus", [id])) as { status: string; error?: unknown };
      status = task.status;
      // The API's names: a task that cannot complete any more ends the wait at once, not at the deadline.
      if (["permanent_failure", "cancelled"].includes(status) || Date.now() > deadline) {
        throw new Error(`task ${id}: ${JSON.stringify(task)}\n${app.output().slice(-4_000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const proof = (await rpcCall(url!, "paas_getProof", [id])) as Record<string, unknown>;
    expect(JSON.stringify(proof)).toMatch(/[0-9a-f]{64}/);
  });
});
