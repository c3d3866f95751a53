import { type Tree, visitNotIgnoredFiles } from "@nx/devkit";
import { isValidKind, MAX_KIND_LENGTH, nxNameProblem } from "../proof-plugin/names.js";
import {
  listWorkspaceProjects,
  nodeEngine,
  parseIdentities,
  rollupProofTypes,
} from "../proof-plugin/workspace.js";

/** The generator's options, as schema.json declares them. */
export interface ProverAppSchema {
  readonly name: string;
  /** Plugin project names, comma-separated (or repeated). */
  readonly plugins: string | readonly string[];
  readonly description?: string;
  readonly skipInstall?: boolean;
}

export class ProverAppOptionsError extends Error {
  override readonly name = "ProverAppOptionsError";
}

/** A plugin the app composes. */
export interface AppPlugin {
  /** Its proof type's kind: for the workspace's plugins, the project name. */
  readonly kind: string;
  readonly packageName: string;
  /** Its settings take `node_url` (a proof-plugin scaffold's): paas.toml sets it. */
  readonly takesNodeUrl: boolean;
  /** How the generated test proves one task of it: a JSON-RPC method and params (the rollup's kinds). */
  readonly proof?: { readonly method: string; readonly params: readonly unknown[] };
}

export interface NormalizedAppOptions {
  readonly name: string;
  readonly packageName: string;
  /** apps/<name> */
  readonly root: string;
  readonly description: string;
  readonly plugins: readonly AppPlugin[];
  /** The workspace's `engines.node`, which the app installed elsewhere must say too. */
  readonly nodeEngine: string | undefined;
  readonly skipInstall: boolean;
}

/** The rollup's proof types: the first task of each on a fresh devnet. */
const ROLLUP_PLUGINS: Readonly<
  Record<string, { readonly method: string; readonly params: readonly unknown[] }>
> = {
  "evm-ee-stf": { method: "paas_proveElBlocks", params: [1, 1] },
  "cl-stf": { method: "paas_proveClBlocks", params: [1, 1] },
  checkpoint: { method: "paas_proveCheckpoint", params: [0] },
};

/**
 * The kinds a plugin declares it depends on (`dependsOn` of its @ProofPlugin), read from its
 * sources: string literals, and `X.kind` of an identity constant that @paas/rollup or the plugin
 * declares (`CL_STF.kind`). Whatever cannot be read so is left to the prover client, which refuses
 * at start a plugin whose dependencies no plugin proves.
 */
function declaredDependencies(tree: Tree, root: string): string[] {
  const constants = new Map([...rollupProofTypes(tree).values()].map((i) => [i.constant, i.kind]));
  const lists: string[] = [];
  visitNotIgnoredFiles(tree, `${root}/src`, (file) => {
    if (!file.endsWith(".ts")) return;
    const source = tree.read(file, "utf8") ?? "";
    for (const identity of parseIdentities(source)) constants.set(identity.constant, identity.kind);
    for (const match of source.matchAll(/dependsOn:\s*\[([^\]]*)\]/g)) lists.push(match[1]!);
  });
  return lists
    .flatMap((list) => list.split(","))
    .map((item) => item.trim())
    .map(
      (item) => /^["']([^"']+)["']$/.exec(item)?.[1] ?? constants.get(/^(\w+)\.kind$/.exec(item)?.[1] ?? ""),
    )
    .filter((kind): kind is string => kind !== undefined);
}

/**
 * Whether a plugin's settings take `node_url`, as a `proof-plugin` scaffold's do (it is required
 * there): the app's paas.toml then sets it. Another plugin's settings are its own, which only its
 * README knows: a key written for it would stop the app at start.
 */
function takesNodeUrl(tree: Tree, root: string): boolean {
  let found = false;
  visitNotIgnoredFiles(tree, `${root}/src`, (file) => {
    if (!found && file.endsWith(".ts")) found = tree.read(file, "utf8")?.includes("node_url:") ?? false;
  });
  return found;
}

/**
 * Where `name` is already a command of the workspace, or undefined: an installed package's bin in
 * node_modules/.bin, or a workspace package's (linked there at the next install). The app's bin
 * is named after the app, and npm would link it over that command: an app named `vitest` makes
 * every project's tests run the prover client.
 */
function commandOwner(
  tree: Tree,
  name: string,
  projects: ReturnType<typeof listWorkspaceProjects>,
): string | undefined {
  if (tree.exists(`node_modules/.bin/${name}`)) return `node_modules/.bin/${name}`;
  for (const project of projects) {
    const text = tree.read(project.root === "." ? "package.json" : `${project.root}/package.json`, "utf8");
    const bin = text === null ? undefined : (JSON.parse(text) as { bin?: unknown }).bin;
    // A string bin is named after the package, without its scope.
    const names =
      typeof bin === "string"
        ? [project.packageName?.replace(/^@[^/]+\//, "")]
        : typeof bin === "object" && bin !== null
          ? Object.keys(bin)
          : [];
    if (names.includes(name)) return `the bin of ${project.packageName ?? project.root}`;
  }
  return undefined;
}

/** Validates the options against the workspace in the tree; throws `ProverAppOptionsError`. */
export function normalizeAppOptions(tree: Tree, schema: ProverAppSchema): NormalizedAppOptions {
  const name = schema.name?.trim() ?? "";
  if (!isValidKind(name) || name.length > MAX_KIND_LENGTH) {
    throw new ProverAppOptionsError(
      `"${name}" is not a valid app name: lower-case words of a-z and 0-9 joined by "-", at most ${MAX_KIND_LENGTH} characters`,
    );
  }
  const unusable = nxNameProblem(name);
  if (unusable) throw new ProverAppOptionsError(`${unusable}; choose another name`);
  const root = `apps/${name}`;
  const projects = listWorkspaceProjects(tree);
  if (tree.exists(root) || projects.some((p) => p.name === name)) {
    throw new ProverAppOptionsError(`"${name}" already exists: choose another name`);
  }
  const command = commandOwner(tree, name, projects);
  if (command !== undefined) {
    throw new ProverAppOptionsError(
      `"${name}" is already a command of the workspace (${command}): the app's bin, named after it, would replace it; choose another name`,
    );
  }
  const requested = (Array.isArray(schema.plugins) ? schema.plugins : String(schema.plugins ?? "").split(","))
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (requested.length === 0) {
    throw new ProverAppOptionsError(
      "--plugins names no plugin: give their project names, e.g. evm-ee-stf,cl-stf",
    );
  }
  const plugins: AppPlugin[] = [];
  for (const kind of requested) {
    if (plugins.some((p) => p.kind === kind))
      throw new ProverAppOptionsError(`--plugins "${kind}" is given twice`);
    const project = projects.find((p) => p.name === kind && p.tags.includes("type:plugin"));
    if (project?.packageName === undefined) {
      const known = projects.filter((p) => p.tags.includes("type:plugin")).map((p) => p.name);
      throw new ProverAppOptionsError(
        `--plugins "${kind}" is not a plugin of this workspace (plugins: ${known.join(", ")})`,
      );
    }
    const rollup = ROLLUP_PLUGINS[kind];
    plugins.push({
      kind,
      packageName: project.packageName,
      takesNodeUrl: rollup === undefined && takesNodeUrl(tree, project.root),
      ...(rollup && { proof: { method: rollup.method, params: rollup.params } }),
    });
  }
  // A task waits for its dependencies' proofs, which only a loaded plugin makes: what each plugin
  // depends on, directly or through another plugin, must be composed too.
  const pluginRoots = new Map(
    projects.filter((p) => p.tags.includes("type:plugin")).map((p) => [p.name, p.root]),
  );
  const dependsOn = (kind: string) => {
    const root = pluginRoots.get(kind);
    return root === undefined ? [] : declaredDependencies(tree, root);
  };
  for (const plugin of plugins) {
    const needed = new Set<string>();
    const visit = (kind: string) => {
      for (const dependency of dependsOn(kind)) {
        if (needed.has(dependency)) continue;
        needed.add(dependency);
        visit(dependency);
      }
    };
    visit(plugin.kind);
    const missing = [...needed].filter((k) => !requested.includes(k));
    if (missing.length > 0) {
      throw new ProverAppOptionsError(
        `--plugins "${plugin.kind}" depends on ${missing.join(" and ")}, whose proofs only a loaded plugin makes: add ${missing.join(",")}`,
      );
    }
  }
  return {
    name,
    packageName: `@paas/app-${name}`,
    root,
    description: (schema.description?.trim() || `The prover client with ${requested.join(", ")}`).replace(
      /\.$/,
      "",
    ),
    plugins,
    nodeEngine: nodeEngine(tree),
    skipInstall: schema.skipInstall ?? false,
  };
}
