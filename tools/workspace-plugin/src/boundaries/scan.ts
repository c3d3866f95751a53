import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { Dependency, ProjectInfo } from "./rules.js";

interface PackageJson {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** Subpath imports (`#name`), whose targets may be packages. */
  imports?: Record<string, unknown>;
  nx?: { tags?: string[] };
}

const DEPENDENCY_FIELDS = [
  "dependencies",
  "devDependencies",
  "optionalDependencies",
  "peerDependencies",
] as const;

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as PackageJson;

/** Projects are the npm workspaces (`dir/*` patterns) of the root package.json, tagged in their own. */
export function listProjects(workspaceRoot: string): ProjectInfo[] {
  const root = readJson(path.join(workspaceRoot, "package.json"));
  const projects: ProjectInfo[] = [];
  for (const pattern of root.workspaces ?? []) {
    const parent = path.join(workspaceRoot, pattern.replace(/\/\*$/, ""));
    for (const entry of safeReaddir(parent)) {
      const manifest = path.join(parent, entry, "package.json");
      if (!isFile(manifest)) continue;
      const pkg = readJson(manifest);
      if (!pkg.name) continue;
      projects.push({ name: pkg.name, root: path.join(parent, entry), tags: pkg.nx?.tags ?? [] });
    }
  }
  return projects;
}

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js|tsx)$/;

/**
 * Every dependency a project declares in package.json (dependencies of every kind, and the
 * targets of its `#` subpath imports) or imports in a source file. Sources are read by
 * TypeScript's own pre-processor, as the compiler finds imports: `import`/`export … from` across
 * lines, `import()` and `require()` of a string or a template without substitutions; comments and
 * other strings are not imports.
 */
export function scanDependencies(projects: readonly ProjectInfo[]): Dependency[] {
  const names = new Set(projects.map((p) => p.name));
  const dependencies: Dependency[] = [];
  for (const project of projects) {
    const pkg = readJson(path.join(project.root, "package.json"));
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(pkg[field] ?? {})) {
        if (names.has(name))
          dependencies.push({ from: project.name, to: name, where: `package.json ${field}` });
      }
    }
    const aliases = subpathImports(pkg);
    for (const [alias, targets] of aliases) {
      for (const target of targets) {
        const to = resolveTarget(target, path.join(project.root, "package.json"), projects);
        if (to) dependencies.push({ from: project.name, to, where: `package.json imports ${alias}` });
      }
    }
    for (const file of sourceFiles(project.root)) {
      const text = readFileSync(file, "utf8");
      for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
        // A `#` alias stands for what package.json maps it to, already reported there.
        const target = imported.fileName.startsWith("#")
          ? undefined
          : resolveTarget(imported.fileName, file, projects);
        if (target) {
          const line = text.slice(0, imported.pos).split("\n").length;
          dependencies.push({
            from: project.name,
            to: target,
            where: `${path.relative(project.root, file)}:${line}`,
          });
        }
      }
    }
  }
  return dependencies;
}

/** `imports` of a package.json: each `#` alias with every string target its conditions name. */
function subpathImports(pkg: PackageJson): Map<string, string[]> {
  const targets = (value: unknown): string[] =>
    typeof value === "string"
      ? [value]
      : typeof value === "object" && value !== null
        ? Object.values(value).flatMap(targets)
        : [];
  return new Map(
    Object.entries(pkg.imports ?? {}).map(([alias, value]) => [alias, [...new Set(targets(value))]]),
  );
}

/** The project a specifier points into: a package name (or subpath of one), or a relative path that leaves its project. */
function resolveTarget(
  specifier: string,
  file: string,
  projects: readonly ProjectInfo[],
): string | undefined {
  if (specifier.startsWith(".")) {
    const absolute = path.resolve(path.dirname(file), specifier);
    return projects.find((p) => absolute === p.root || absolute.startsWith(p.root + path.sep))?.name;
  }
  return projects.find((p) => specifier === p.name || specifier.startsWith(`${p.name}/`))?.name;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of safeReaddir(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (SOURCE_FILE.test(entry)) yield full;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
