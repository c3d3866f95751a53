import { type GeneratorCallback, installPackagesTask, logger, type Tree, updateJson } from "@nx/devkit";
import { formatWithBiome } from "./format.js";
import { type NormalizedOptions, normalizeOptions, type ProofPluginSchema } from "./options.js";
import {
  packageJson,
  readmeMd,
  tsconfigBuildJson,
  tsconfigJson,
  vitestConfigTs,
} from "./templates/project.js";
import {
  admissionTs,
  contextTs,
  dependenciesTs,
  fetcherTs,
  indexTs,
  nodeTs,
  pluginTs,
  programTs,
  proofTypeTs,
  settingsTs,
  testingTs,
} from "./templates/source.js";
import { exampleTs, testTs } from "./templates/tests.js";
import { isInWorkspaces } from "./workspace.js";

export type { ProofPluginSchema } from "./options.js";

/** The files of plugins/<kind>, by path relative to it. */
export function pluginFiles(o: NormalizedOptions): Record<string, string> {
  return {
    "package.json": packageJson(o),
    "tsconfig.json": tsconfigJson(),
    "tsconfig.build.json": tsconfigBuildJson(),
    "vitest.config.ts": vitestConfigTs(),
    "README.md": readmeMd(o),
    "src/proof-type.ts": proofTypeTs(o),
    ...(o.dependencies.some((d) => !d.rollup) && { "src/dependencies.ts": dependenciesTs(o) }),
    "src/context.ts": contextTs(o),
    "src/settings.ts": settingsTs(o),
    "src/node.ts": nodeTs(o),
    "src/program.ts": programTs(o),
    "src/fetcher.ts": fetcherTs(o),
    "src/admission.ts": admissionTs(o),
    "src/plugin.ts": pluginTs(o),
    "src/index.ts": indexTs(o),
    "src/testing.ts": testingTs(o),
    [`test/${o.kind}.test.ts`]: testTs(o),
    [`examples/prove-${o.kind}.ts`]: exampleTs(o),
  };
}

/**
 * `nx g @paas/tools:proof-plugin <name> [--dependsOn <kind>,…] [--description …] [--skipInstall]`:
 * scaffolds plugins/<name> (package @paas/plugin-<name>, Nx project <name>, tags scope:plugin and
 * type:plugin), maps the package in tsconfig.base.json, and runs `npm install` so the workspace
 * link exists. Refuses, before writing anything, a name that is not a kind or already exists.
 */
export async function proofPluginGenerator(
  tree: Tree,
  schema: ProofPluginSchema,
): Promise<GeneratorCallback | undefined> {
  const options = normalizeOptions(tree, schema);
  const written: string[] = [];
  for (const [file, content] of Object.entries(pluginFiles(options))) {
    tree.write(`${options.root}/${file}`, content);
    written.push(`${options.root}/${file}`);
  }
  addPathMapping(tree, options);
  if (!isInWorkspaces(tree, options.root)) {
    updateJson(tree, "package.json", (pkg: { workspaces?: string[] }) => ({
      ...pkg,
      workspaces: [...(pkg.workspaces ?? []), "plugins/*"],
    }));
  }
  const formatted = formatWithBiome(tree, written);
  if (!formatted.ok) {
    logger.warn(
      `Biome did not pass the generated files: run \`npx biome check ${options.root}\`\n${formatted.report}`,
    );
  }
  const next = [
    `Next: npx nx run-many -t lint typecheck test examples -p ${options.projectName}`,
    `Enable it in the prover client: add "${options.packageName}" to plugins = [...] and set node_url in [plugin_settings.${options.kind}]`,
  ];
  if (options.skipInstall) {
    logger.info(["Run `npm install` to link the new workspace package.", ...next].join("\n"));
    return undefined;
  }
  return () => {
    installPackagesTask(tree, true);
    logger.info(next.join("\n"));
  };
}

/**
 * Adds `"@paas/plugin-<kind>": ["./plugins/<kind>/src/index.ts"]` as the last entry of the
 * `paths` of tsconfig.base.json, editing the text so that the rest of the file keeps its layout
 * (the file is not ours to reformat).
 */
function addPathMapping(tree: Tree, o: NormalizedOptions): void {
  const file = "tsconfig.base.json";
  const target = `./${o.root}/src/index.ts`;
  const text = tree.read(file, "utf-8");
  const paths = text === null ? null : /("paths"\s*:\s*\{)([^{}]*)(\})/.exec(text);
  if (text === null || paths === null) {
    updateJson(tree, file, (config: { compilerOptions?: { paths?: Record<string, string[]> } }) => ({
      ...config,
      compilerOptions: {
        ...config.compilerOptions,
        paths: { ...config.compilerOptions?.paths, [o.packageName]: [target] },
      },
    }));
    return;
  }
  const [whole, open, body, close] = paths as unknown as [string, string, string, string];
  const entries = body.trimEnd();
  const indent = /\n([ \t]+)"/.exec(body)?.[1] ?? "      ";
  const closing = body.slice(entries.length) || "\n    ";
  // Match the entries already there: one line each, or the array expanded (as JSON.stringify writes it).
  const entry = /:\s*\[\s*\n/.test(body)
    ? `"${o.packageName}": [\n${indent}  ${JSON.stringify(target)}\n${indent}]`
    : `"${o.packageName}": [${JSON.stringify(target)}]`;
  const separator = entries.trim() === "" || entries.endsWith(",") ? "" : ",";
  const updated = `${open}${entries}${separator}\n${indent}${entry}${closing}${close}`;
  tree.write(file, text.replace(whole, updated));
}

export default proofPluginGenerator;
