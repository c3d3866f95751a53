import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Dependency, ProjectInfo } from "./rules.js";

interface PackageJson {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  nx?: { tags?: string[] };
}

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

const IMPORT_PATTERN = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)["']([^"']+)["']/g;
const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js|tsx)$/;

/** Every dependency a project declares in package.json or imports in a source file. */
export function scanDependencies(projects: readonly ProjectInfo[]): Dependency[] {
  const names = new Set(projects.map((p) => p.name));
  const dependencies: Dependency[] = [];
  for (const project of projects) {
    const pkg = readJson(path.join(project.root, "package.json"));
    for (const field of ["dependencies", "devDependencies", "optionalDependencies"] as const) {
      for (const name of Object.keys(pkg[field] ?? {})) {
        if (names.has(name))
          dependencies.push({ from: project.name, to: name, where: `package.json ${field}` });
      }
    }
    for (const file of sourceFiles(project.root)) {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((line, index) => {
        for (const match of line.matchAll(IMPORT_PATTERN)) {
          const target = resolveTarget(match[1]!, file, projects);
          if (target) {
            const where = `${path.relative(project.root, file)}:${index + 1}`;
            dependencies.push({ from: project.name, to: target, where });
          }
        }
      });
    }
  }
  return dependencies;
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
