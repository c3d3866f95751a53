/**
 * The workspace checks of `nx run tools:boundaries`, on a workspace written for the test: each way a
 * plugin can reach another one is reported, with where, and what only mentions a package is not;
 * a copy of another plugin's proof-type identity out of step with it is reported.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { conventionProblems, filesOnDisk } from "../src/boundaries/conventions.js";
import { staleIdentityCopies } from "../src/boundaries/identity-copies.js";
import { findViolations } from "../src/boundaries/rules.js";
import { listProjects, scanDependencies } from "../src/boundaries/scan.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "paas-boundaries-"));
  write("package.json", { name: "workspace", workspaces: ["plugins/*"] });
  write("plugins/other/package.json", { name: "@paas/plugin-other", nx: { tags: ["type:plugin"] } });
  write("plugins/other/src/index.ts", "export const other = 1;\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(file: string, content: unknown): void {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, typeof content === "string" ? content : JSON.stringify(content));
}

/** A plugin `mine` with this package.json extra and this source, checked against the rule. */
function violationsOf(source: string, manifest: Record<string, unknown> = {}): string[] {
  write("plugins/mine/package.json", {
    name: "@paas/plugin-mine",
    nx: { tags: ["type:plugin"] },
    ...manifest,
  });
  write("plugins/mine/src/index.ts", source);
  const projects = listProjects(root);
  return findViolations(projects, scanDependencies(projects)).map((v) => `${v.from} -> ${v.to} (${v.where})`);
}

it.each([
  ["a static import", `import { other } from "@paas/plugin-other";\n`, "src/index.ts:1"],
  [
    "an import whose specifier is on the next line",
    `import {\n  other,\n} from\n  "@paas/plugin-other";\n`,
    "src/index.ts:4",
  ],
  ["a re-export", `\nexport * from "@paas/plugin-other/sub";\n`, "src/index.ts:2"],
  [
    "a dynamic import of a template literal",
    "const m = await import(`@paas/plugin-other`);\n",
    "src/index.ts:1",
  ],
  ["a require", `const m = require("@paas/plugin-other");\n`, "src/index.ts:1"],
  ["a relative path into it", `import "../../other/src/index.js";\n`, "src/index.ts:1"],
])("reports %s of another plugin, with where", (_how, source, where) => {
  expect(violationsOf(source)).toEqual([`@paas/plugin-mine -> @paas/plugin-other (${where})`]);
});

it.each([
  ["peerDependencies", { peerDependencies: { "@paas/plugin-other": "*" } }, "package.json peerDependencies"],
  [
    "a # subpath import that maps to it",
    { imports: { "#other": { "@paas/source": "@paas/plugin-other", default: "@paas/plugin-other" } } },
    "package.json imports #other",
  ],
])("reports another plugin named in %s", (_how, manifest, where) => {
  const source = `import { other } from "#other";\n`;
  expect(violationsOf(source, manifest)).toEqual([`@paas/plugin-mine -> @paas/plugin-other (${where})`]);
});

it("does not take a mention in a comment or a string for an import", () => {
  const source = [
    '// unlike what is imported from "@paas/plugin-other", this is fine',
    'export const name = "@paas/plugin-other";',
    "",
  ].join("\n");
  expect(violationsOf(source)).toEqual([]);
});

describe("copies of another plugin's proof-type identity", () => {
  const identity = (constant: string, version: string) =>
    `export const ${constant} = {\n  kind: "other",\n  program: { name: "other", version: "${version}", proofType: "compressed" },\n} as const;\n`;

  it("reports a copy whose program version is not the defining plugin's", () => {
    write("plugins/other/src/proof-type.ts", identity("OTHER", "2"));
    write("plugins/mine/package.json", { name: "@paas/plugin-mine", nx: { tags: ["type:plugin"] } });
    write("plugins/mine/src/dependencies.ts", identity("OTHER", "1"));
    expect(staleIdentityCopies(listProjects(root))).toEqual([
      '@paas/plugin-mine (src/dependencies.ts): OTHER says program "other" version "1" (compressed), but @paas/plugin-other (src/proof-type.ts) declares "other" version "2" (compressed); update the copy',
    ]);
    write("plugins/mine/src/dependencies.ts", identity("OTHER", "2"));
    expect(staleIdentityCopies(listProjects(root))).toEqual([]);
  });

  it("reads the defining plugin's identity whatever its comments, key order and quotes", () => {
    const annotated = [
      "export const OTHER = {",
      "  kind: 'other',",
      "  // 2: the guest also checks the hashes are distinct",
      '  program: { version: "2", /* bumped */ name: "other", proofType: "compressed" },',
      "} as const;",
      "",
    ].join("\n");
    write("plugins/other/src/proof-type.ts", annotated);
    write("plugins/mine/package.json", { name: "@paas/plugin-mine", nx: { tags: ["type:plugin"] } });
    write("plugins/mine/src/dependencies.ts", identity("OTHER", "1"));
    expect(staleIdentityCopies(listProjects(root))).toEqual([
      '@paas/plugin-mine (src/dependencies.ts): OTHER says program "other" version "1" (compressed), but @paas/plugin-other (src/proof-type.ts) declares "other" version "2" (compressed); update the copy',
    ]);
  });
});

describe("the conventions every package and plugin follows", () => {
  const README = "# mine\n\n## Settings\n\n## Exports\n\n## Test utilities\n\n## Tests\n";
  const SCRIPTS = {
    build: "rm -rf dist && tsc -p tsconfig.build.json",
    test: "vitest run",
    typecheck: "tsc -p tsconfig.json",
    lint: "biome check .",
    examples: "paas-run-examples",
  };
  const TESTING = {
    "@paas/source": "./src/testing.ts",
    types: "./dist/testing.d.ts",
    default: "./dist/testing.js",
  };

  /** A plugin `mine` laid out as the workspace's plugins are. */
  function conventionalPlugin(): void {
    write("plugins/mine/package.json", {
      name: "@paas/plugin-mine",
      scripts: SCRIPTS,
      exports: { ".": {}, "./testing": TESTING },
      nx: { tags: ["type:plugin"] },
    });
    write("plugins/mine/README.md", README);
    write("plugins/mine/examples/prove-mine.ts", "console.log(1);\n");
    write("plugins/mine/src/index.ts", 'export { MinePlugin } from "./plugin.js";\n');
    write("plugins/mine/src/testing.ts", "export const handlers = {};\n");
    write(
      "plugins/mine/src/settings.ts",
      "export function parseMineSettings(raw: unknown) {\n  return parsePluginSettings(KIND, Schema, raw);\n}\n",
    );
  }

  const problemsOfMine = () =>
    listProjects(root)
      .filter((p) => p.name === "@paas/plugin-mine")
      .flatMap((p) => conventionProblems(p, filesOnDisk(p.root)));

  it("finds nothing to say about a plugin laid out as the workspace's are", () => {
    conventionalPlugin();
    expect(problemsOfMine()).toEqual([]);
  });

  it.each([
    ["a missing README", () => rmSync(path.join(root, "plugins/mine/README.md")), "no README.md"],
    [
      "no examples",
      () => rmSync(path.join(root, "plugins/mine/examples"), { recursive: true }),
      "no examples/*.ts: every package has runnable examples, which CI runs",
    ],
    [
      "no test utilities",
      () => rmSync(path.join(root, "plugins/mine/src/testing.ts")),
      "no src/testing.ts (the test utilities)",
    ],
    [
      "test utilities exported from the main entry",
      () => write("plugins/mine/src/index.ts", 'export * from "./testing.js";\n'),
      "src/index.ts exports src/testing.ts: the prover client loads the main entry, test utilities stay out of it",
    ],
    [
      "settings not parsed through core",
      () => write("plugins/mine/src/settings.ts", "export function parseMineSettings(raw: unknown) {}\n"),
      "no src/settings.ts exporting parse<Kind>Settings through @paas/core's parsePluginSettings (the key named, an unknown key with the one it most likely meant)",
    ],
    [
      "a README without a section",
      () => write("plugins/mine/README.md", README.replace("## Test utilities\n", "")),
      'README.md has no "## Test utilities" section',
    ],
  ])("reports %s", (_what, breakIt, problem) => {
    conventionalPlugin();
    breakIt();
    expect(problemsOfMine()).toEqual([`@paas/plugin-mine: ${problem}`]);
  });

  it("reports a plugin without the ./testing subpath or a script of the others", () => {
    conventionalPlugin();
    write("plugins/mine/package.json", {
      name: "@paas/plugin-mine",
      scripts: { ...SCRIPTS, examples: undefined },
      exports: { ".": {} },
      nx: { tags: ["type:plugin"] },
    });
    expect(problemsOfMine()).toEqual([
      '@paas/plugin-mine: package.json scripts.examples is not "paas-run-examples"',
      '@paas/plugin-mine: package.json exports no "./testing" subpath ({ "@paas/source": "./src/testing.ts", "types": "./dist/testing.d.ts", "default": "./dist/testing.js" })',
    ]);
  });

  it("asks a package for its README and examples, not for a plugin's settings", () => {
    write("packages/lib/package.json", {
      name: "@paas/lib",
      scripts: SCRIPTS,
      nx: { tags: ["type:package"] },
    });
    write("package.json", { name: "workspace", workspaces: ["plugins/*", "packages/*"] });
    const lib = listProjects(root).find((p) => p.name === "@paas/lib")!;
    expect(conventionProblems(lib, filesOnDisk(lib.root))).toEqual([
      "@paas/lib: no README.md",
      "@paas/lib: no examples/*.ts: every package has runnable examples, which CI runs",
    ]);
  });

  it("holds across this workspace", () => {
    const workspace = path.resolve(import.meta.dirname, "../../..");
    const problems = listProjects(workspace).flatMap((p) => conventionProblems(p, filesOnDisk(p.root)));
    expect(problems).toEqual([]);
  });
});
