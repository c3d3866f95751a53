import { type Tree, visitNotIgnoredFiles } from "@nx/devkit";
import { isValidKind, MAX_KIND_LENGTH } from "../proof-plugin/names.js";
import { listWorkspaceProjects, nodeEngine } from "../proof-plugin/workspace.js";

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

/**
 * The rollup's proof types: what each needs proven first (a task waits for its dependencies'
 * proofs, which only a loaded plugin makes), and the first task of each on a fresh devnet.
 */
const ROLLUP_PLUGINS: Readonly<
  Record<
    string,
    { readonly needs: readonly string[]; readonly method: string; readonly params: readonly unknown[] }
  >
> = {
  "evm-ee-stf": { needs: [], method: "paas_proveElBlocks", params: [1, 1] },
  "cl-stf": { needs: ["evm-ee-stf"], method: "paas_proveClBlocks", params: [1, 1] },
  checkpoint: { needs: ["evm-ee-stf", "cl-stf"], method: "paas_proveCheckpoint", params: [0] },
};

/** Validates the options against the workspace in the tree; throws `ProverAppOptionsError`. */
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

export function normalizeAppOptions(tree: Tree, schema: ProverAppSchema): NormalizedAppOptions {
  const name = schema.name?.trim() ?? "";
  if (!isValidKind(name) || name.length > MAX_KIND_LENGTH) {
    throw new ProverAppOptionsError(
      `"${name}" is not a valid app name: lower-case words of a-z and 0-9 joined by "-", at most ${MAX_KIND_LENGTH} characters`,
    );
  }
  const root = `apps/${name}`;
  const projects = listWorkspaceProjects(tree);
  if (tree.exists(root) || projects.some((p) => p.name === name)) {
    throw new ProverAppOptionsError(`"${name}" already exists: choose another name`);
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
  for (const plugin of plugins) {
    const missing = (ROLLUP_PLUGINS[plugin.kind]?.needs ?? []).filter((k) => !requested.includes(k));
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
