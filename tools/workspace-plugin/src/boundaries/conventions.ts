import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The layout every package and plugin shares (docs/conventions.md), checked rather than hoped
 * for: a project without a README or without examples built and passed CI, and a plugin scaffolded
 * without settings or test utilities went unnoticed. The same check runs on the workspace
 * (`nx run tools:boundaries`) and on what the proof-plugin generator writes (its tests), so the
 * scaffold cannot drift from the plugins it imitates.
 */

/** Read access to one project's files, by path relative to its root: the disk, or a generator's tree. */
export interface ProjectFiles {
  read(file: string): string | undefined;
  /** The names in a directory; empty when it does not exist. */
  list(dir: string): string[];
}

export interface ConventionProject {
  readonly name: string;
  readonly tags: readonly string[];
}

/** The scripts Nx runs as targets on every package and plugin (`npm test` runs them all). */
const SCRIPTS: Readonly<Record<string, string>> = {
  build: "rm -rf dist && tsc -p tsconfig.build.json",
  test: "vitest run",
  typecheck: "tsc -p tsconfig.json",
  lint: "biome check .",
  examples: "paas-run-examples",
};

/** What a plugin's README documents: its sections, by the start of their heading (`## Settings (…)`). */
const PLUGIN_README_SECTIONS = ["Settings", "Exports", "Test utilities", "Tests"];

interface Manifest {
  scripts?: Record<string, string>;
  exports?: Record<string, unknown>;
}

/** Every way the project departs from the convention, each saying what to add; empty when it follows it. */
export function conventionProblems(project: ConventionProject, files: ProjectFiles): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`${project.name}: ${problem}`);
  const readme = files.read("README.md");
  if (readme === undefined) say("no README.md");
  const isPlugin = project.tags.includes("type:plugin");
  if (!isPlugin && !project.tags.includes("type:package")) return problems;

  const manifest = parseManifest(files.read("package.json"));
  for (const [script, command] of Object.entries(SCRIPTS)) {
    if (manifest.scripts?.[script] !== command) say(`package.json scripts.${script} is not "${command}"`);
  }
  if (!files.list("examples").some((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    say("no examples/*.ts: every package has runnable examples, which CI runs");
  }
  if (!isPlugin) return problems;

  const settings = files.read("src/settings.ts");
  if (
    settings === undefined ||
    !/export function parse\w+Settings\(/.test(settings) ||
    !settings.includes("parsePluginSettings(")
  ) {
    say(
      "no src/settings.ts exporting parse<Kind>Settings through @paas/core's parsePluginSettings (the key named, an unknown key with the one it most likely meant)",
    );
  }
  if (files.read("src/testing.ts") === undefined) say("no src/testing.ts (the test utilities)");
  if (!isSubpathExport(manifest.exports?.["./testing"], "testing")) {
    say(
      'package.json exports no "./testing" subpath ({ "@paas/source": "./src/testing.ts", "types": "./dist/testing.d.ts", "default": "./dist/testing.js" })',
    );
  }
  if (/["']\.\/testing(?:\.js)?["']/.test(files.read("src/index.ts") ?? "")) {
    say(
      "src/index.ts exports src/testing.ts: the prover client loads the main entry, test utilities stay out of it",
    );
  }
  // A missing README is said once, above.
  if (readme !== undefined) {
    const headings = readme.match(/^## .*$/gm) ?? [];
    for (const section of PLUGIN_README_SECTIONS) {
      if (!headings.some((h) => h.slice(3).startsWith(section)))
        say(`README.md has no "## ${section}" section`);
    }
  }
  return problems;
}

function parseManifest(text: string | undefined): Manifest {
  try {
    return text === undefined ? {} : (JSON.parse(text) as Manifest);
  } catch {
    return {};
  }
}

function isSubpathExport(entry: unknown, name: string): boolean {
  if (typeof entry !== "object" || entry === null) return false;
  const conditions = entry as Record<string, unknown>;
  return (
    conditions["@paas/source"] === `./src/${name}.ts` &&
    conditions.types === `./dist/${name}.d.ts` &&
    conditions.default === `./dist/${name}.js`
  );
}

/** A project's files on disk. */
export function filesOnDisk(root: string): ProjectFiles {
  return {
    read(file) {
      try {
        return readFileSync(path.join(root, file), "utf8");
      } catch {
        return undefined;
      }
    },
    list(dir) {
      try {
        return readdirSync(path.join(root, dir));
      } catch {
        return [];
      }
    },
  };
}
