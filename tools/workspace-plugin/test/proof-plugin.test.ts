/**
 * The proof-plugin generator on an in-memory tree (the devkit's testing tree), seeded with this
 * workspace's root files, project manifests and the rollup's proof types. The real run (nx g,
 * npm install, lint, typecheck and tests of what it generated) is docs.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { conventionProblems, filesOnDisk } from "../src/boundaries/conventions.js";
import { formatWithBiome } from "../src/generators/proof-plugin/format.js";
import { proofPluginGenerator } from "../src/generators/proof-plugin/generator.js";
import { ProofPluginOptionsError, type ProofPluginSchema } from "../src/generators/proof-plugin/options.js";
import { parseIdentities, ROLLUP_PROOF_TYPES } from "../src/generators/proof-plugin/workspace.js";
import { WORKSPACE_ROOT } from "./support/sandbox.js";
import { filesInTree, writtenUnder } from "./support/tree.js";

const SEEDED = ["package.json", "tsconfig.base.json", ROLLUP_PROOF_TYPES];
/** The plugins seeded: the rollup's, so that the names the tests generate are free even if the repo has them. */
const SEEDED_PLUGINS = ["evm-ee-stf", "cl-stf", "checkpoint"];

/** A tree with the workspace's root files, its projects' package.json files and the rollup's proof types. */
function seededTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  const copy = (file: string) => tree.write(file, readFileSync(join(WORKSPACE_ROOT, file), "utf8"));
  for (const file of SEEDED) copy(file);
  for (const parent of ["packages", "plugins", "apps", "tools"]) {
    for (const dir of readdirSync(join(WORKSPACE_ROOT, parent))) {
      if (parent === "plugins" && !SEEDED_PLUGINS.includes(dir)) continue;
      if (existsSync(join(WORKSPACE_ROOT, parent, dir, "package.json")))
        copy(`${parent}/${dir}/package.json`);
    }
  }
  const config = JSON.parse(read(tree, "tsconfig.base.json"));
  const paths: Record<string, unknown> = config.compilerOptions.paths;
  const unseeded = Object.keys(paths).filter(
    (name) =>
      name.startsWith("@paas/plugin-") && !SEEDED_PLUGINS.includes(name.slice("@paas/plugin-".length)),
  );
  if (unseeded.length > 0) {
    for (const name of unseeded) delete paths[name];
    tree.write("tsconfig.base.json", `${JSON.stringify(config, null, 2)}\n`);
  }
  return tree;
}

const read = (tree: Tree, file: string) => tree.read(file, "utf-8") ?? "";
const generate = (tree: Tree, options: ProofPluginSchema) =>
  proofPluginGenerator(tree, { skipInstall: true, ...options });

let tree: Tree;

beforeEach(() => {
  tree = seededTree();
});

describe("proof-plugin generator", () => {
  it("scaffolds plugins/<name> as a package, an Nx project and a tsconfig path", async () => {
    await generate(tree, { name: "demo-sum", description: "Proves the value a node serves." });
    const root = "plugins/demo-sum";
    const files = writtenUnder(tree, root);
    expect(files).toEqual(
      [
        "README.md",
        "examples/prove-demo-sum.ts",
        "package.json",
        "src/admission.ts",
        "src/context.ts",
        "src/fetcher.ts",
        "src/index.ts",
        "src/node.ts",
        "src/plugin.ts",
        "src/program.ts",
        "src/proof-type.ts",
        "src/settings.ts",
        "src/testing.ts",
        "test/demo-sum.test.ts",
        "tsconfig.build.json",
        "tsconfig.json",
        "vitest.config.ts",
      ].map((f) => `${root}/${f}`),
    );
    const pkg = JSON.parse(read(tree, `${root}/package.json`));
    expect(pkg).toMatchObject({
      name: "@paas/plugin-demo-sum",
      type: "module",
      description: "Proves the value a node serves",
      files: ["dist", "README.md"],
      exports: {
        ".": { "@paas/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./testing": {
          "@paas/source": "./src/testing.ts",
          types: "./dist/testing.d.ts",
          default: "./dist/testing.js",
        },
      },
      scripts: {
        build: "rm -rf dist && tsc -p tsconfig.build.json",
        test: "vitest run",
        typecheck: "tsc -p tsconfig.json",
        lint: "biome check .",
        examples: "paas-run-examples",
      },
      nx: { name: "demo-sum", tags: ["scope:plugin", "type:plugin"] },
      devDependencies: { "@paas/testing": "*" },
    });
    expect(Object.keys(pkg.dependencies)).toEqual([
      "@paas/core",
      "@paas/jsonrpc",
      "@paas/zkvm",
      "tsyringe",
      "zod",
    ]);
    expect(pkg.dependencies.zod).toMatch(/^\d+\.\d+\.\d+$/);
    expect(JSON.parse(read(tree, `${root}/tsconfig.json`)).extends).toBe("../../tsconfig.base.json");
    // Built like the workspace's own plugins, so it packs and installs as they do.
    expect(read(tree, `${root}/tsconfig.build.json`)).toBe(
      readFileSync(join(WORKSPACE_ROOT, "plugins/cl-stf/tsconfig.build.json"), "utf8"),
    );
    expect(read(tree, `${root}/src/index.ts`)).toMatch(/export \{ DemoSumPlugin \} from "\.\/plugin\.js";/);
    expect(read(tree, `${root}/src/plugin.ts`)).toContain("@ProofPlugin({");
    expect(read(tree, `${root}/src/node.ts`)).toContain("@inject(PLUGIN_SETTINGS)");
  });

  it("adds the path mapping last, leaving the rest of tsconfig.base.json as it was", async () => {
    const before = read(tree, "tsconfig.base.json");
    await generate(tree, { name: "demo-sum" });
    const after = read(tree, "tsconfig.base.json");
    const paths = JSON.parse(after).compilerOptions.paths as Record<string, string[]>;
    expect(paths["@paas/plugin-demo-sum"]).toEqual(["./plugins/demo-sum/src/index.ts"]);
    expect(Object.keys(paths).at(-1)).toBe("@paas/plugin-demo-sum");
    const removed = before.split("\n").filter((line) => !after.includes(line.replace(/,$/, "")));
    expect(removed).toEqual([]);
  });

  it("follows the layout of the paths already there, one line or expanded", async () => {
    tree.write(
      "tsconfig.base.json",
      '{\n  "compilerOptions": {\n    "paths": {\n      "@paas/core": [\n        "./packages/core/src/index.ts"\n      ]\n    }\n  }\n}\n',
    );
    await generate(tree, { name: "demo-sum" });
    expect(read(tree, "tsconfig.base.json")).toContain(
      '      ],\n      "@paas/plugin-demo-sum": [\n        "./plugins/demo-sum/src/index.ts"\n      ]\n    }',
    );
  });

  it("keeps program modules to @paas/zkvm/program and @paas/rollup/model, type-only imports aside", async () => {
    await generate(tree, { name: "demo-sum" });
    await generate(tree, { name: "demo-epoch", dependsOn: "checkpoint,demo-sum" });
    const modules = [
      "demo-epoch/src/program.ts",
      "demo-epoch/src/dependencies.ts",
      "demo-epoch/src/proof-type.ts",
    ];
    const allowed = new Set([
      "@paas/zkvm/program",
      "@paas/rollup/model",
      "./dependencies.js",
      "./proof-type.js",
    ]);
    for (const file of modules) {
      const imports = [
        ...read(tree, `plugins/${file}`).matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gm),
      ];
      for (const [, from] of imports) expect(allowed, `${file} imports ${from}`).toContain(from);
    }
    expect(read(tree, "plugins/demo-epoch/src/program.ts")).toContain(
      'import type { ProofReceipt } from "@paas/core/contracts";',
    );
  });

  it("exports its settings' default, as the workspace's plugins do (DEFAULT_*)", async () => {
    await generate(tree, { name: "demo-sum" });
    const settings = read(tree, "plugins/demo-sum/src/settings.ts");
    expect(settings).toContain("export const DEFAULT_TIMEOUT_MS = 10_000;");
    expect(settings).toContain(".default(DEFAULT_TIMEOUT_MS)");
    expect(read(tree, "plugins/demo-sum/src/index.ts")).toMatch(
      /export \{[^}]*DEFAULT_TIMEOUT_MS[^}]*\} from "\.\/settings\.js";/,
    );
  });

  it("waits for what its node has not served yet and bounds that at submit, as the workspace's plugins do", async () => {
    // The convention, as the workspace's plugins hold it: each refuses at submit what is too far
    // ahead (an admit hook in src/admission.ts) and waits for the rest with NotYetAvailableError.
    for (const plugin of SEEDED_PLUGINS) {
      const dir = join(WORKSPACE_ROOT, "plugins", plugin, "src");
      expect(readFileSync(join(dir, "plugin.ts"), "utf8")).toMatch(
        /\n {2}admit\(context: \w+, options: \{ readonly signal: AbortSignal \}\)/,
      );
      expect(readFileSync(join(dir, "admission.ts"), "utf8")).toContain("throw new InvalidContextError(");
    }
    await generate(tree, { name: "demo-sum" });
    const src = (file: string) => read(tree, `plugins/demo-sum/src/${file}`);
    expect(src("fetcher.ts")).toMatch(/if \(value === null\) \{\n\s+throw new NotYetAvailableError\(/);
    expect(src("admission.ts")).toContain("export async function admitDemoSum(");
    expect(src("admission.ts")).toContain(
      "latest = await node.call<unknown>(LATEST_METHOD, [], { signal });",
    );
    expect(src("admission.ts")).toContain("throw new InvalidContextError(");
    expect(src("plugin.ts")).toContain(
      "admit(context: DemoSumContext, options: { readonly signal: AbortSignal }): Promise<void> {\n    return admitDemoSum(this.node, context, this.settings.horizon, options.signal);",
    );
    expect(src("settings.ts")).toContain("horizon: z.int().min(0).max(1_000_000).default(DEFAULT_HORIZON),");
    expect(src("index.ts")).toMatch(/export \{[^}]*DEFAULT_HORIZON[^}]*\} from "\.\/settings\.js";/);
    // Its test drives both: a wait that uses up no retry, and a refusal beyond the horizon.
    const test = read(tree, "plugins/demo-sum/test/demo-sum.test.ts");
    expect(test).toContain("expect(waits.map((t) => [t.waiting, t.retryCount])).toEqual([[true, 0]]);");
    expect(test).toContain("harness.submit({ ...CONTEXT, n: LATEST + DEFAULT_HORIZON + 1 })");
  });

  it("says where a key naming a file goes (@ProofPlugin paths), as the evm-ee-stf plugin declares its own", async () => {
    expect(readFileSync(join(WORKSPACE_ROOT, "plugins/evm-ee-stf/src/plugin.ts"), "utf8")).toContain(
      'paths: ["chain_spec_file"],',
    );
    await generate(tree, { name: "demo-sum" });
    expect(read(tree, "plugins/demo-sum/src/plugin.ts")).toMatch(
      /\/\/ name a file go in `paths: \[\.\.\.\]`/,
    );
  });

  it("follows the conventions the workspace's plugins follow, as the workspace check reads them", async () => {
    for (const plugin of SEEDED_PLUGINS) {
      const project = { name: plugin, tags: ["type:plugin"] };
      expect(conventionProblems(project, filesOnDisk(join(WORKSPACE_ROOT, "plugins", plugin)))).toEqual([]);
    }
    await generate(tree, { name: "demo-sum" });
    await generate(tree, { name: "demo-epoch", dependsOn: "checkpoint,demo-sum" });
    for (const kind of ["demo-sum", "demo-epoch"]) {
      const project = { name: kind, tags: ["type:plugin"] };
      expect(conventionProblems(project, filesInTree(tree, `plugins/${kind}`))).toEqual([]);
    }
  });

  it("parses its settings with a parse<Kind>Settings, which the registration, the plugin and the node use", async () => {
    await generate(tree, { name: "demo-sum" });
    expect(read(tree, "plugins/demo-sum/src/settings.ts")).toMatch(
      /export function parseDemoSumSettings\(raw: unknown\): DemoSumSettings \{\n {2}const \{ node_url, timeout_ms, horizon \} = parsePluginSettings\(/,
    );
    expect(read(tree, "plugins/demo-sum/src/plugin.ts")).toContain("settings: parseDemoSumSettings,");
    expect(read(tree, "plugins/demo-sum/src/plugin.ts")).toContain(
      "this.settings = parseDemoSumSettings(settings.for(DEMO_SUM.kind));",
    );
    expect(read(tree, "plugins/demo-sum/src/node.ts")).toContain(
      "parseDemoSumSettings(settings.for(DEMO_SUM.kind))",
    );
  });

  it("has its guest refuse with an error class of its own, with a code, exported", async () => {
    await generate(tree, { name: "demo-sum" });
    const program = read(tree, "plugins/demo-sum/src/program.ts");
    expect(program).toMatch(
      /export class DemoSumRejectedError extends Error \{\n {2}readonly code = "DEMO_SUM_REJECTED";/,
    );
    expect(program).toContain("throw new DemoSumRejectedError(n, ");
    expect(program).not.toContain("throw new Error(");
    expect(read(tree, "plugins/demo-sum/src/index.ts")).toContain("DemoSumRejectedError,");
  });

  it("keeps its test utilities out of the main entry and uses them in its test and example", async () => {
    await generate(tree, { name: "demo-sum" });
    expect(read(tree, "plugins/demo-sum/src/index.ts")).not.toContain("testing");
    for (const file of ["test/demo-sum.test.ts", "examples/prove-demo-sum.ts"]) {
      expect(read(tree, `plugins/demo-sum/${file}`)).toContain(
        'import { demoSumNodeHandlers } from "../src/testing.js";',
      );
    }
  });

  it("returns the npm install task unless --skipInstall", async () => {
    expect(await proofPluginGenerator(seededTree(), { name: "demo-sum" })).toBeTypeOf("function");
    expect(await generate(tree, { name: "demo-sum" })).toBeUndefined();
  });

  it("formats what it writes with the workspace's Biome, whatever the name's length", async () => {
    const name = "a-rather-long-proof-type-name-that-pushes-lines-past-the-width";
    expect(name.length).toBeLessThanOrEqual(64);
    await generate(tree, { name });
    const written = tree.listChanges().filter((c) => c.path.startsWith(`plugins/${name}/`));
    const before = written.map((c) => read(tree, c.path));
    for (const change of written.filter((c) => c.path.includes("/src/"))) {
      const long = read(tree, change.path)
        .split("\n")
        // Comments and template literals are left as they are by Biome too.
        .filter((line) => line.length > 110 && !line.trimStart().startsWith("*") && !line.includes("`"));
      expect(long, change.path).toEqual([]);
    }
    // Checking again finds nothing and changes nothing: it is what `biome check --write` writes.
    const again = formatWithBiome(
      tree,
      written.map((c) => c.path),
    );
    expect(again).toEqual({ ok: true, report: "" });
    expect(written.map((c) => read(tree, c.path))).toEqual(before);
  });

  it("adds plugins/* to the workspaces when the root package.json lacks it", async () => {
    tree.write("package.json", JSON.stringify({ name: "x", workspaces: ["packages/*"] }, null, 2));
    await generate(tree, { name: "demo-sum" });
    expect(JSON.parse(read(tree, "package.json")).workspaces).toEqual(["packages/*", "plugins/*"]);
  });
});

describe("--dependsOn", () => {
  it("verifies the rollup's kinds under @paas/rollup's own identities, and stands them in", async () => {
    await generate(tree, { name: "demo-epoch", dependsOn: "cl-stf, checkpoint" });
    const constants = parseIdentities(read(tree, ROLLUP_PROOF_TYPES))
      .filter((i) => i.kind === "cl-stf" || i.kind === "checkpoint")
      .map((i) => i.constant)
      .sort();
    expect(constants).toEqual(["CHECKPOINT", "CL_STF"]);
    // No copies: the guest imports them from the rollup's guest entry point.
    expect(tree.exists("plugins/demo-epoch/src/dependencies.ts")).toBe(false);
    const program = read(tree, "plugins/demo-epoch/src/program.ts");
    expect(program).toContain('import { CHECKPOINT, CL_STF } from "@paas/rollup/model";');
    expect(program).toContain("const CL_STF_ID = programIdOf(CL_STF.program.name, CL_STF.program.version);");
    expect(program).toContain("const checkpoint = env.readVerified(CHECKPOINT_ID);");
    const context = read(tree, "plugins/demo-epoch/src/context.ts");
    expect(context).toContain('import { CheckpointContextSchema, ClStfContextSchema } from "@paas/rollup";');
    expect(context).toContain("return [context.clStf, context.checkpoint];");
    const test = read(tree, "plugins/demo-epoch/test/demo-epoch.test.ts");
    expect(test).toContain("program: rollup.CL_STF.program,");
    expect(test).toContain("parseContext: (raw) => rollup.CheckpointContextSchema.parse(raw),");
    expect(JSON.parse(read(tree, "plugins/demo-epoch/package.json")).dependencies["@paas/rollup"]).toBe("*");
    const written = tree.listChanges().filter((c) => c.path.startsWith("plugins/demo-epoch/"));
    expect(
      formatWithBiome(
        tree,
        written.map((c) => c.path),
      ),
    ).toEqual({ ok: true, report: "" });
  });

  it("says each dependency is proven on its own kind's backend, as the scheduler submits it", async () => {
    await generate(tree, { name: "demo-epoch", dependsOn: "checkpoint" });
    for (const file of ["README.md", "src/context.ts"]) {
      const text = read(tree, `plugins/demo-epoch/${file}`).replace(/\s+/g, " ");
      expect(text, file).not.toContain("same backend");
      expect(text, file).toContain("its own kind's backend");
    }
  });

  it("reads another plugin's identity from its src/proof-type.ts, by the same n", async () => {
    await generate(tree, { name: "demo-sum" });
    tree.write(
      "plugins/demo-sum/src/proof-type.ts",
      read(tree, "plugins/demo-sum/src/proof-type.ts").replace('version: "1"', 'version: "3"'),
    );
    await generate(tree, { name: "demo-total", dependsOn: ["demo-sum"] });
    const [copy] = parseIdentities(read(tree, "plugins/demo-total/src/dependencies.ts"));
    expect(copy).toMatchObject({
      constant: "DEMO_SUM",
      kind: "demo-sum",
      program: { name: "demo-sum", version: "3" },
    });
    expect(read(tree, "plugins/demo-total/src/context.ts")).toContain(
      "return [{ kind: DEMO_SUM.kind, n: context.n }];",
    );
    const test = read(tree, "plugins/demo-total/test/demo-total.test.ts");
    expect(test).toContain(
      "{ kind: DEMO_SUM.kind, program: DEMO_SUM.program, publicValues: publicValuesOf }",
    );
    expect(
      JSON.parse(read(tree, "plugins/demo-total/package.json")).dependencies["@paas/rollup"],
    ).toBeUndefined();
  });

  it("reads another plugin's identity through a comment in it, rather than making up version 1", async () => {
    await generate(tree, { name: "demo-sum" });
    tree.write(
      "plugins/demo-sum/src/proof-type.ts",
      read(tree, "plugins/demo-sum/src/proof-type.ts").replace(
        'program: { name: "demo-sum", version: "1"',
        '// 2: the guest checks more\n  program: { name: "demo-sum", version: "2"',
      ),
    );
    await generate(tree, { name: "demo-total", dependsOn: ["demo-sum"] });
    const [copy] = parseIdentities(read(tree, "plugins/demo-total/src/dependencies.ts"));
    expect(copy?.program.version).toBe("2");
  });

  it("falls back to the convention for a plugin without an identity constant", async () => {
    tree.write(
      "plugins/legacy/package.json",
      JSON.stringify({ name: "@paas/plugin-legacy", nx: { name: "legacy", tags: ["type:plugin"] } }),
    );
    await generate(tree, { name: "demo-total", dependsOn: "legacy" });
    const [copy] = parseIdentities(read(tree, "plugins/demo-total/src/dependencies.ts"));
    expect(copy?.program).toEqual({ name: "legacy", version: "1", proofType: "compressed" });
  });
});

describe("refusals, before anything is written", () => {
  const snapshot = () => tree.listChanges().map((c) => `${c.type} ${c.path} ${c.content?.length ?? 0}`);
  const refused = async (options: ProofPluginSchema, message: RegExp) => {
    const before = snapshot();
    await expect(generate(tree, options)).rejects.toBeInstanceOf(ProofPluginOptionsError);
    await expect(generate(tree, options)).rejects.toThrow(message);
    expect(snapshot()).toEqual(before);
  };

  it.each([
    "Demo",
    "demo_sum",
    "1st",
    "-demo",
    "demo-",
    "a--b",
    "demo sum",
    "",
    "@paas/plugin-x",
    "x".repeat(65),
  ])("refuses %j: not a valid kind or package name", async (name) => {
    await refused({ name }, /invalid name .*lower-case words of a-z and 0-9 joined by "-"/);
  });

  it("refuses a name whose directory exists", async () => {
    tree.write("plugins/demo-sum/notes.txt", "taken");
    await refused({ name: "demo-sum" }, /"demo-sum" already exists: plugins\/demo-sum is there/);
  });

  it("refuses the name of an existing Nx project", async () => {
    await refused(
      { name: "core" },
      /"core" already exists: it is the name of the Nx project in packages\/core/,
    );
  });

  it("refuses the names Nx cannot take: the workspace root's project, a property of every object", async () => {
    const rootProject = JSON.parse(read(tree, "package.json")).name;
    await refused(
      { name: rootProject },
      new RegExp(`"${rootProject}" already exists: it is the name of the Nx project in the workspace root`),
    );
    await refused({ name: "constructor" }, /"constructor" cannot name an Nx project/);
  });

  it("refuses a name whose package exists elsewhere", async () => {
    tree.write(
      "packages/other/package.json",
      JSON.stringify({ name: "@paas/plugin-taken", nx: { name: "other" } }),
    );
    await refused({ name: "taken" }, /packages\/other\/package\.json is the package @paas\/plugin-taken/);
  });

  it("refuses a name already mapped in tsconfig.base.json", async () => {
    const config = JSON.parse(read(tree, "tsconfig.base.json"));
    config.compilerOptions.paths["@paas/plugin-mapped"] = ["./elsewhere/index.ts"];
    tree.write("tsconfig.base.json", JSON.stringify(config, null, 2));
    await refused({ name: "mapped" }, /tsconfig\.base\.json maps @paas\/plugin-mapped/);
  });

  it("refuses the rollup's own kinds", async () => {
    const rollupKinds = parseIdentities(read(tree, ROLLUP_PROOF_TYPES)).map((i) => i.kind);
    expect(rollupKinds).toEqual(expect.arrayContaining(["evm-ee-stf", "cl-stf", "checkpoint"]));
    tree.delete("plugins/cl-stf");
    await refused({ name: "cl-stf" }, /"cl-stf" already exists: it is one of the rollup's proof types/);
  });

  it("refuses a name whose identifiers would clash with the imports or with what the modules declare", async () => {
    await refused({ name: "proof" }, /"proof" would generate names that clash \(ProofContext, ProofPlugin\)/);
    await refused(
      { name: "value-method" },
      /"value-method" would generate names that clash \(VALUE_METHOD\)/,
    );
    await refused({ name: "context" }, /"context" would generate names that clash \(CONTEXT\)/);
    // Admission's node method and the test's latest n.
    await refused(
      { name: "latest-method" },
      /"latest-method" would generate names that clash \(LATEST_METHOD\)/,
    );
    await refused({ name: "latest" }, /"latest" would generate names that clash \(LATEST\)/);
    await refused({ name: "json" }, /"json" would generate names that clash \(JSON\)/);
    await refused(
      { name: "default-timeout-ms" },
      /"default-timeout-ms" would generate names that clash \(DEFAULT_TIMEOUT_MS\)/,
    );
    await refused(
      { name: "checkpoint-id", dependsOn: "checkpoint" },
      /"checkpoint-id" would generate names that clash \(CHECKPOINT_ID\)/,
    );
    // The program module imports defineProgram, which a kind's program constant would redeclare.
    await refused({ name: "define" }, /"define" would generate names that clash \(defineProgram\)/);
  });

  it("refuses a dependency whose field would redeclare the guest's env", async () => {
    await generate(tree, { name: "env" });
    await refused({ name: "demo", dependsOn: "env" }, /"demo" would generate names that clash \(env\)/);
  });

  it("refuses unknown, invalid, repeated and self dependencies", async () => {
    await refused(
      { name: "demo", dependsOn: "nope" },
      /--dependsOn "nope" is not an existing kind; known kinds: .*checkpoint/,
    );
    await refused({ name: "demo", dependsOn: "Bad_Kind" }, /--dependsOn "Bad_Kind" is not a kind/);
    await refused(
      { name: "demo", dependsOn: "checkpoint,checkpoint" },
      /--dependsOn "checkpoint" is given twice/,
    );
    await refused({ name: "demo", dependsOn: "demo" }, /cannot depend on itself/);
  });
});
