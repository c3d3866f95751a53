import type { Tree } from "@nx/devkit";
import * as ts from "typescript";

/** What the generator needs to know of the workspace, read from the tree (so dry runs and tests see the same). */

export interface WorkspaceProject {
  /** The Nx project name: `nx.name` in package.json, else the package name. */
  readonly name: string;
  readonly packageName: string | undefined;
  readonly root: string;
  readonly tags: readonly string[];
}

interface PackageJson {
  name?: string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  engines?: { node?: string };
  nx?: { name?: string; tags?: string[] };
}

function readJsonIn<T>(tree: Tree, path: string): T | undefined {
  const text = tree.read(path, "utf-8");
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The Node.js versions the workspace requires (root package.json `engines.node`), for a new package to say the same. */
export function nodeEngine(tree: Tree): string | undefined {
  return readJsonIn<PackageJson>(tree, "package.json")?.engines?.node;
}

/** The root package.json's workspace patterns (`plugins/*`, or a directory). */
export function workspacePatterns(tree: Tree): string[] {
  const root = readJsonIn<PackageJson>(tree, "package.json");
  const workspaces = root?.workspaces;
  return (Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? [])).map((p) =>
    p.replace(/^\.\//, "").replace(/\/$/, ""),
  );
}

/** Whether a directory is covered by one of the root package.json's workspace patterns. */
export function isInWorkspaces(tree: Tree, dir: string): boolean {
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  return workspacePatterns(tree).some((p) => p === dir || (p.endsWith("/*") && p.slice(0, -2) === parent));
}

/**
 * Every project: the npm workspaces (with their `nx` block) and any `project.json` in them, and
 * the workspace root, which Nx makes a project of its package.json (`paas`): a new project of
 * the same name would make every nx command fail.
 */
export function listWorkspaceProjects(tree: Tree): WorkspaceProject[] {
  const dirs = new Set<string>(["."]);
  for (const pattern of workspacePatterns(tree)) {
    if (pattern.endsWith("/*")) {
      const parent = pattern.slice(0, -2);
      for (const child of tree.children(parent)) dirs.add(`${parent}/${child}`);
    } else {
      dirs.add(pattern);
    }
  }
  const projects: WorkspaceProject[] = [];
  for (const root of [...dirs].sort()) {
    const at = (file: string) => (root === "." ? file : `${root}/${file}`);
    const pkg = readJsonIn<PackageJson>(tree, at("package.json"));
    const projectJson = readJsonIn<{ name?: string; tags?: string[] }>(tree, at("project.json"));
    const name = projectJson?.name ?? pkg?.nx?.name ?? pkg?.name;
    if (name === undefined) continue;
    projects.push({
      name,
      packageName: pkg?.name,
      root,
      tags: projectJson?.tags ?? pkg?.nx?.tags ?? [],
    });
  }
  return projects;
}

export interface ProgramIdentity {
  readonly name: string;
  readonly version: string;
  readonly proofType: string;
}

/** A proof type's routing kind and program identity, as a `{ kind, program }` constant declares them. */
export interface ProofTypeIdentity {
  readonly kind: string;
  /** The constant's name where it is declared (`CL_STF`). */
  readonly constant: string;
  readonly program: ProgramIdentity;
}

export const ROLLUP_PROOF_TYPES = "packages/rollup/src/proofs/proof-types.ts";

/** The names identity constants take: `CL_STF`, `DEMO_SUM`. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * The `export const X = { kind: "…", program: { name: "…", version: "…", proofType: "…" } }`
 * constants of a source file: the shape of @paas/rollup's proof types and of a generated plugin's
 * src/proof-type.ts. Read with TypeScript's parser, so that a comment (say, why the version was
 * bumped), another key order or other quotes do not hide one: a constant missed here would be
 * copied with a made-up version, or leave a stale copy unreported.
 */
export function parseIdentities(source: string): ProofTypeIdentity[] {
  const file = ts.createSourceFile("identity.ts", source, ts.ScriptTarget.Latest);
  const identities: ProofTypeIdentity[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported || (statement.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || !CONSTANT_NAME.test(declaration.name.text)) continue;
      const identity = objectLiteral(declaration.initializer);
      const program = objectLiteral(property(identity, "program"));
      const kind = stringOf(property(identity, "kind"));
      const name = stringOf(property(program, "name"));
      const version = stringOf(property(program, "version"));
      if (kind === undefined || name === undefined || version === undefined) continue;
      const proofType = stringOf(property(program, "proofType")) ?? "compressed";
      identities.push({ constant: declaration.name.text, kind, program: { name, version, proofType } });
    }
  }
  return identities;
}

/** The expression under `as const`, `satisfies …` and parentheses. */
function unwrap(node: ts.Expression | undefined): ts.Expression | undefined {
  let inner = node;
  while (
    inner !== undefined &&
    (ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isParenthesizedExpression(inner))
  ) {
    inner = inner.expression;
  }
  return inner;
}

function objectLiteral(node: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  const inner = unwrap(node);
  return inner !== undefined && ts.isObjectLiteralExpression(inner) ? inner : undefined;
}

function property(object: ts.ObjectLiteralExpression | undefined, key: string): ts.Expression | undefined {
  for (const member of object?.properties ?? []) {
    if (!ts.isPropertyAssignment(member)) continue;
    const { name } = member;
    if ((ts.isIdentifier(name) || ts.isStringLiteral(name)) && name.text === key) return member.initializer;
  }
  return undefined;
}

function stringOf(node: ts.Expression | undefined): string | undefined {
  const inner = unwrap(node);
  return inner !== undefined && ts.isStringLiteralLike(inner) ? inner.text : undefined;
}

/** The rollup's proof types (evm-ee-stf, cl-stf, checkpoint), by kind, from @paas/rollup's source. */
export function rollupProofTypes(tree: Tree): Map<string, ProofTypeIdentity> {
  const source = tree.read(ROLLUP_PROOF_TYPES, "utf-8") ?? "";
  return new Map(parseIdentities(source).map((identity) => [identity.kind, identity]));
}

/** Whether @paas/rollup's proof-types module exports a value of this name. */
export function rollupExports(tree: Tree, name: string): boolean {
  const source = tree.read(ROLLUP_PROOF_TYPES, "utf-8") ?? "";
  return new RegExp(`export const ${name}\\b`).test(source);
}

/** The identity constant a plugin project declares for its own kind, if it has one in src/. */
export function identityInProject(tree: Tree, root: string, kind: string): ProofTypeIdentity | undefined {
  for (const file of sourceFiles(tree, `${root}/src`)) {
    const found = parseIdentities(tree.read(file, "utf-8") ?? "").find((i) => i.kind === kind);
    if (found) return found;
  }
  return undefined;
}

function sourceFiles(tree: Tree, dir: string): string[] {
  if (!tree.exists(dir)) return [];
  const files: string[] = [];
  for (const child of tree.children(dir).sort()) {
    const path = `${dir}/${child}`;
    if (tree.isFile(path)) {
      if (path.endsWith(".ts")) files.push(path);
    } else {
      files.push(...sourceFiles(tree, path));
    }
  }
  return files;
}

/** The version the workspace's packages pin for a dependency, so a new package pins the same. */
export function pinnedVersion(tree: Tree, projects: readonly WorkspaceProject[], dependency: string) {
  for (const project of projects) {
    const pkg = readJsonIn<PackageJson>(tree, `${project.root}/package.json`);
    const version = pkg?.dependencies?.[dependency] ?? pkg?.devDependencies?.[dependency];
    if (version !== undefined) return version;
  }
  return undefined;
}
