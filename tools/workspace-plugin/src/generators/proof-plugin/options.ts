import type { Tree } from "@nx/devkit";
import {
  camelCase,
  constantCase,
  isValidKind,
  MAX_KIND_LENGTH,
  nxNameProblem,
  packageNameOf,
  pascalCase,
} from "./names.js";
import {
  identityInProject,
  listWorkspaceProjects,
  nodeEngine,
  type ProgramIdentity,
  pinnedVersion,
  ROLLUP_PROOF_TYPES,
  rollupExports,
  rollupProofTypes,
} from "./workspace.js";

/** The generator's options, as schema.json declares them. */
export interface ProofPluginSchema {
  /** The proof type's kind: also the project name, plugins/<name> and @paas/plugin-<name>. */
  readonly name: string;
  /** Kinds this proof type depends on, comma-separated (or repeated). */
  readonly dependsOn?: string | readonly string[];
  /** One line for package.json and the README. */
  readonly description?: string;
  /** Do not run `npm install` after generating (the workspace link is then missing until you do). */
  readonly skipInstall?: boolean;
}

/** How a dependency on one of the rollup's proof types is addressed and tested. */
interface RollupKind {
  /** The context schema @paas/rollup exports for the kind. */
  readonly schema: string;
  readonly label: string;
  /** A valid context of the kind, as TypeScript, for the generated tests. */
  readonly sample: string;
}

/** A 32-byte hash as a TypeScript string literal, for sample contexts. */
const hash = (byte: string) => `"0x${byte.repeat(32)}"`;

/**
 * The rollup's proof types a generated plugin can depend on. A context of these kinds names blocks
 * by hash, which a plugin can only learn from the chain, so the generated context carries the
 * dependency's context and validates it with @paas/rollup's schema.
 */
export const ROLLUP_KINDS: Readonly<Record<string, RollupKind>> = {
  "evm-ee-stf": {
    schema: "EvmEeStfContextSchema",
    label: "EVM EE STF",
    sample: `{ kind: "evm-ee-stf", start: { number: 1, hash: ${hash("11")} }, end: { number: 4, hash: ${hash("44")} } }`,
  },
  "cl-stf": {
    schema: "ClStfContextSchema",
    label: "CL STF",
    sample: `{ kind: "cl-stf", start: { slot: 1, blockId: ${hash("11")} }, end: { slot: 4, blockId: ${hash("44")} } }`,
  },
  checkpoint: {
    schema: "CheckpointContextSchema",
    label: "checkpoint",
    sample: '{ kind: "checkpoint", index: 3 }',
  },
};

export interface DependencySpec {
  readonly kind: string;
  /** Its identity constant: @paas/rollup's (`CL_STF`), or the copy in the generated src/dependencies.ts. */
  readonly constant: string;
  /** The field of the output (and, for rollup kinds, of the context) that carries it. */
  readonly field: string;
  readonly program: ProgramIdentity;
  /** Where the identity was read, for the generated comments. */
  readonly source: string;
  /** Set for the rollup's proof types. */
  readonly rollup?: RollupKind;
}

export interface NormalizedOptions {
  readonly kind: string;
  readonly projectName: string;
  readonly packageName: string;
  /** plugins/<kind> */
  readonly root: string;
  readonly pascal: string;
  readonly camel: string;
  readonly constant: string;
  readonly description: string;
  readonly dependencies: readonly DependencySpec[];
  readonly versions: { readonly tsyringe: string; readonly zod: string };
  /** The workspace's `engines.node`, which a package installed elsewhere must say too. */
  readonly nodeEngine: string | undefined;
  readonly skipInstall: boolean;
}

/** A refusal: the message says what was wrong and what to do instead. */
export class ProofPluginOptionsError extends Error {
  override readonly name = "ProofPluginOptionsError";
}

const FALLBACK_VERSIONS = { tsyringe: "4.10.0", zod: "4.6.7" };

/** Validates the options against the workspace in the tree; throws `ProofPluginOptionsError`. */
export function normalizeOptions(tree: Tree, schema: ProofPluginSchema): NormalizedOptions {
  const kind = String(schema.name ?? "").trim();
  if (!isValidKind(kind)) {
    throw new ProofPluginOptionsError(
      `invalid name "${kind}": a proof type's name is its kind, its Nx project name and the suffix of its package ` +
        `name (@paas/plugin-<name>), so it must be lower-case words of a-z and 0-9 joined by "-", starting with ` +
        `a letter, at most ${MAX_KIND_LENGTH} characters (e.g. "demo-sum")`,
    );
  }
  const unusable = nxNameProblem(kind);
  if (unusable) throw new ProofPluginOptionsError(`${unusable}; choose another name`);
  const root = `plugins/${kind}`;
  const packageName = packageNameOf(kind);
  const projects = listWorkspaceProjects(tree);
  const rollup = rollupProofTypes(tree);
  if (rollup.has(kind)) {
    throw new ProofPluginOptionsError(
      `"${kind}" already exists: it is one of the rollup's proof types (${ROLLUP_PROOF_TYPES}); choose another name`,
    );
  }
  if (tree.exists(root)) {
    throw new ProofPluginOptionsError(`"${kind}" already exists: ${root} is there; choose another name`);
  }
  const sameName = projects.find((p) => p.name === kind);
  if (sameName) {
    throw new ProofPluginOptionsError(
      `"${kind}" already exists: it is the name of the Nx project in ${sameName.root === "." ? "the workspace root" : sameName.root}; choose another name`,
    );
  }
  const samePackage = projects.find((p) => p.packageName === packageName);
  if (samePackage) {
    throw new ProofPluginOptionsError(
      `"${kind}" already exists: ${samePackage.root}/package.json is the package ${packageName}; choose another name`,
    );
  }
  const paths = readPaths(tree);
  if (paths[packageName] !== undefined) {
    throw new ProofPluginOptionsError(
      `"${kind}" already exists: tsconfig.base.json maps ${packageName} to ${JSON.stringify(paths[packageName])}; choose another name`,
    );
  }

  const dependencies = dependencySpecs(tree, kind, splitKinds(schema.dependsOn), rollup, projects);
  const options: NormalizedOptions = {
    kind,
    projectName: kind,
    packageName,
    root,
    pascal: pascalCase(kind),
    camel: camelCase(kind),
    constant: constantCase(kind),
    description:
      schema.description?.trim().replace(/\.$/, "") ||
      "Proves the value a JSON-RPC node serves for n (scaffolded by @paas/tools:proof-plugin)",
    dependencies,
    versions: {
      tsyringe: pinnedVersion(tree, projects, "tsyringe") ?? FALLBACK_VERSIONS.tsyringe,
      zod: pinnedVersion(tree, projects, "zod") ?? FALLBACK_VERSIONS.zod,
    },
    nodeEngine: nodeEngine(tree),
    skipInstall: schema.skipInstall === true,
  };
  refuseClashes(options);
  return options;
}

function splitKinds(value: ProofPluginSchema["dependsOn"]): string[] {
  if (value === undefined) return [];
  const items = typeof value === "string" ? [value] : [...value];
  return items
    .flatMap((item) => String(item).split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function dependencySpecs(
  tree: Tree,
  kind: string,
  kinds: readonly string[],
  rollup: ReadonlyMap<string, { constant: string; program: ProgramIdentity }>,
  projects: ReturnType<typeof listWorkspaceProjects>,
): DependencySpec[] {
  const plugins = projects.filter((p) => p.tags.includes("type:plugin"));
  const known = [...new Set([...rollup.keys(), ...plugins.map((p) => p.name)])].sort();
  const specs: DependencySpec[] = [];
  for (const dependency of kinds) {
    if (!isValidKind(dependency)) {
      throw new ProofPluginOptionsError(
        `--dependsOn "${dependency}" is not a kind: kinds are lower-case words of a-z and 0-9 joined by "-"`,
      );
    }
    if (dependency === kind) {
      throw new ProofPluginOptionsError(`--dependsOn "${dependency}": a proof type cannot depend on itself`);
    }
    if (specs.some((s) => s.kind === dependency)) {
      throw new ProofPluginOptionsError(`--dependsOn "${dependency}" is given twice`);
    }
    const fromRollup = rollup.get(dependency);
    if (fromRollup) {
      const rollupKind = ROLLUP_KINDS[dependency];
      if (!rollupKind || !rollupExports(tree, rollupKind.schema)) {
        throw new ProofPluginOptionsError(
          `--dependsOn "${dependency}": the generator does not know how to address the rollup's ${dependency} contexts ` +
            `(no context schema or sample for it); add it to ROLLUP_KINDS in tools/workspace-plugin/src/generators/proof-plugin/options.ts`,
        );
      }
      specs.push({
        kind: dependency,
        constant: fromRollup.constant,
        field: camelCase(dependency),
        program: fromRollup.program,
        source: `@paas/rollup (${ROLLUP_PROOF_TYPES})`,
        rollup: rollupKind,
      });
      continue;
    }
    const project = plugins.find((p) => p.name === dependency);
    if (!project) {
      throw new ProofPluginOptionsError(
        `--dependsOn "${dependency}" is not an existing kind; known kinds: ${known.join(", ") || "none"}`,
      );
    }
    // Convention: a plugin project's kind is its project name, and it declares its identity as
    // `export const X = { kind, program: { name, version, proofType } }` (src/proof-type.ts).
    const declared = identityInProject(tree, project.root, dependency);
    specs.push({
      kind: dependency,
      constant: constantCase(dependency),
      field: camelCase(dependency),
      program: declared?.program ?? { name: dependency, version: "1", proofType: "compressed" },
      source: declared
        ? `${project.root}/src (${declared.constant})`
        : `the convention for ${project.root} (program named after its kind, version "1")`,
    });
  }
  return specs;
}

/** Identifiers the generated modules import; a derived name equal to one of them (or to one they declare) would not compile. */
const IMPORTED = new Set([
  "decodeCommitted",
  "defineProgram",
  "DependencyReceipt",
  "InvalidConfigError",
  "InvalidContextError",
  "JsonRpcClient",
  "JsonRpcClientOptions",
  "NotYetAvailableError",
  "PermanentError",
  "PLUGIN_SETTINGS",
  "PluginHarness",
  "PluginSettings",
  "programIdOf",
  "ProofContext",
  "ProofPlugin",
  "ProofPluginHandler",
  "ProofReceipt",
  "StepContext",
  "StubRpc",
]);

/** Names the generated modules declare whatever the kind (templates/source.ts and tests.ts). */
const DECLARED = new Set([
  "CONTEXT",
  "DEFAULT_HORIZON",
  "DEFAULT_TIMEOUT_MS",
  "LATEST",
  "LATEST_METHOD",
  "N",
  "STAND_INS",
  "VALUE_METHOD",
  "dependenciesOf",
  "harness",
  "node",
  "publicValuesOf",
  "RpcHandlers",
  "served",
  "settingsFor",
]);

/**
 * Globals a derived name would shadow: the generated modules use them, and Biome refuses the
 * shadowing (`noShadowRestrictedNames`). The only one in upper case, as a kind's constant is.
 */
const GLOBALS = new Set(["JSON"]);

function refuseClashes(options: NormalizedOptions): void {
  const { pascal, camel, constant, kind } = options;
  // Each dependency's program id and sample context get a constant of their own.
  const perDependency = options.dependencies.flatMap((d) => [`${d.constant}_ID`, `${d.constant}_CONTEXT`]);
  const generated = [
    `admit${pascal}`,
    `${pascal}Context`,
    `${pascal}ContextSchema`,
    `${pascal}Input`,
    `${pascal}Node`,
    `${pascal}Output`,
    `${pascal}Plugin`,
    `${pascal}RejectedError`,
    `${pascal}Settings`,
    `${pascal}SettingsSchema`,
    `parse${pascal}Settings`,
    `${camel}NodeHandlers`,
    `${camel}Program`,
    constant,
  ];
  const clashes = generated.filter(
    (name) => IMPORTED.has(name) || DECLARED.has(name) || GLOBALS.has(name) || perDependency.includes(name),
  );
  // Each dependency's field is also a local of the guest, beside its parameter `env`.
  const fields = ["kind", "n", "value", "env", ...options.dependencies.map((d) => d.field)];
  const constants = [constant, ...options.dependencies.map((d) => d.constant)];
  const repeated = [...fields, ...constants].filter((name, i, all) => all.indexOf(name) !== i);
  if (clashes.length > 0 || repeated.length > 0) {
    throw new ProofPluginOptionsError(
      `"${kind}" would generate names that clash (${[...clashes, ...repeated].join(", ")}); choose another name`,
    );
  }
}

function readPaths(tree: Tree): Record<string, unknown> {
  const text = tree.read("tsconfig.base.json", "utf-8");
  if (text === null) return {};
  const config = JSON.parse(text) as { compilerOptions?: { paths?: Record<string, unknown> } };
  return config.compilerOptions?.paths ?? {};
}
