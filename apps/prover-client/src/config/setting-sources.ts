import { InvalidConfigError } from "@paas/core";
import type { ProverConfig } from "./schema.js";

/**
 * Where each key of a loaded config that is not from its file was set (`environment variable
 * PAAS_RPC__PORT`, `--port`), and the file, kept beside the config for what is done after loading:
 * a plugin checks its own section, and names its paths, only once the app has loaded it.
 */
const sourcesOf = new WeakMap<ProverConfig, ReadonlyMap<string, string>>();
const filesOf = new WeakMap<ProverConfig, string>();

export function recordSources(
  config: ProverConfig,
  sources: ReadonlyMap<string, string>,
  file: string | undefined,
): ProverConfig {
  sourcesOf.set(config, sources);
  if (file !== undefined) filesOf.set(config, file);
  return config;
}

/** The config file a key that `config` sets was written in; undefined when it came from elsewhere. */
export function fileOfKey(config: ProverConfig, key: string): string | undefined {
  return setElsewhere(sourcesOf.get(config), key) ? undefined : filesOf.get(config);
}

/** Whether `key` was set by a variable or a flag: itself, or a table above it (`--set backends.x={…}`). */
export function setElsewhere(sources: ReadonlyMap<string, string> | undefined, key: string): boolean {
  return [...(sources?.keys() ?? [])].some((set) => key === set || key.startsWith(`${set}.`));
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
