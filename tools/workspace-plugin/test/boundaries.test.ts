/**
 * The workspace checks of `nx run tools:boundaries`, on a workspace written for the test: each way a
 * plugin can reach another one is reported, with where, and what only mentions a package is not;
 * a copy of another plugin's proof-type identity out of step with it is reported.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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
