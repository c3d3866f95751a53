import { type GeneratorCallback, installPackagesTask, logger, type Tree } from "@nx/devkit";
import { formatWithBiome } from "../proof-plugin/format.js";
import { isInWorkspaces } from "../proof-plugin/workspace.js";
import { normalizeAppOptions, type ProverAppSchema } from "./options.js";
import { appFiles } from "./templates.js";

export type { ProverAppSchema } from "./options.js";

/**
 * `nx g @paas/tools:prover-app <name> --plugins <kind>,… [--description …] [--skipInstall]`:
 * scaffolds apps/<name> (package @paas/app-<name>, Nx project <name>, tags scope:<name> and
 * type:app), a deployable app composing the prover client with the chosen plugins: its config, a
 * bin, a README and tests. Refuses, before writing anything, an existing name, a plugin that is not
 * one, and a plugin without the plugins it depends on.
 */
export async function proverAppGenerator(
  tree: Tree,
  schema: ProverAppSchema,
): Promise<GeneratorCallback | undefined> {
  const options = normalizeAppOptions(tree, schema);
  if (!isInWorkspaces(tree, options.root)) {
    throw new Error(`${options.root} is not in the root package.json's workspaces: add "apps/*"`);
  }
  const written: string[] = [];
  for (const [file, content] of Object.entries(appFiles(options))) {
    tree.write(`${options.root}/${file}`, content);
    written.push(`${options.root}/${file}`);
  }
  const formatted = formatWithBiome(tree, written);
  if (!formatted.ok) {
    logger.warn(
      `Biome did not pass the generated files: run \`npx biome check ${options.root}\`\n${formatted.report}`,
    );
  }
  const next = `Next: npx nx run ${options.name}:test (it builds what the app composes first)`;
  if (options.skipInstall) {
    logger.info(["Run `npm install` to link the new workspace package.", next].join("\n"));
    return undefined;
  }
  return () => {
    installPackagesTask(tree, true);
    logger.info(next);
  };
}

export default proverAppGenerator;
