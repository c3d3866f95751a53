import { InvalidConfigError } from "@paas/core";
import type { ProverConfig } from "./schema.js";

/**
 * Where each key of a loaded config that is not from its file was set (`environment variable
 * PAAS_RPC__PORT`, `--port`), kept beside the config for messages given after loading: a plugin
 * checks its own section only once the app has loaded it.
 */
const sourcesOf = new WeakMap<ProverConfig, ReadonlyMap<string, string>>();

export function recordSources(config: ProverConfig, sources: ReadonlyMap<string, string>): ProverConfig {
  sourcesOf.set(config, sources);
  return config;
}

/**
 * A plugin's refusal of its section (`plugin_settings.<kind>: …`), with where each of that
 * section's keys not from the config file was set, as the app's own keys are named: said only by
 * key, the value was looked for in the file, not in a unit's environment.
 */
export function withPluginSettingSources(error: unknown, config: ProverConfig): unknown {
  if (!(error instanceof InvalidConfigError)) return error;
  const kind = /^plugin_settings\.([^:\s]+):/.exec(error.message)?.[1];
  if (kind === undefined) return error;
  const prefix = `plugin_settings.${kind}.`;
  const notes = [...(sourcesOf.get(config) ?? [])]
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, source]) => `\n  (${key.slice(prefix.length)} from ${source})`);
  return notes.length === 0 ? error : new InvalidConfigError(`${error.message}${notes.join("")}`);
}
