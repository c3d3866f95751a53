import {
  errorMessage,
  findPluginDefinition,
  InvalidConfigError,
  type ProofPluginDefinition,
} from "@paas/core";

/**
 * Imports the configured plugin packages by name and returns the `@ProofPlugin` classes each
 * exports. Adding a proof type to a deployment is a config line plus an install.
 */
export async function loadPluginPackages(packages: readonly string[]): Promise<ProofPluginDefinition[]> {
  const definitions: ProofPluginDefinition[] = [];
  for (const name of packages) {
    let exports: Record<string, unknown>;
    try {
      exports = await import(name);
    } catch (error) {
      throw new InvalidConfigError(`plugins: cannot load package "${name}": ${errorMessage(error)}`);
    }
    const found = Object.values(exports)
      .map(findPluginDefinition)
      .filter((d): d is ProofPluginDefinition => d !== undefined);
    if (found.length === 0) {
      throw new InvalidConfigError(`plugins: package "${name}" exports no @ProofPlugin class`);
    }
    definitions.push(...new Set(found));
  }
  return definitions;
}
