import { existsSync } from "node:fs";
import path from "node:path";
import { InvalidConfigError, type ProofPluginDefinition } from "@paas/core";
import type { ProverConfig } from "./schema.js";
import { fileOfKey } from "./setting-sources.js";

/**
 * The one rule for a setting that names a file or directory: a relative path written in a config
 * file is relative to that file's directory, one from the environment or the command line to the
 * working directory, as a shell means it. Each followed a rule of its own: `datadir` the file,
 * a host's `key_file` the data directory, `plugin_settings.evm-ee-stf.chain_spec_file` the
 * working directory (under the unit, /var/lib/paas), so a config naming files beside it worked
 * from one directory only. Made absolute here, a path means the same to whatever reads it.
 */
export function settingPath(value: string, writtenIn: string | undefined): string {
  return path.resolve(writtenIn === undefined ? "" : path.dirname(writtenIn), value);
}

/**
 * The paths the app's own keys set, by `settingPath`; a default is left as it is (`./data`, in the
 * working directory).
 */
export function withSettingPaths(
  config: ProverConfig,
  writtenIn: (key: string) => string | undefined,
  setsDatadir: boolean,
): ProverConfig {
  const at = (key: string, value: string) => settingPath(value, writtenIn(key));
  const datadir = setsDatadir ? at("datadir", config.datadir) : config.datadir;
  const backends = Object.fromEntries(
    Object.entries(config.backends).map(([name, backend]) => {
      if (backend.type !== "native" || backend.key_file === undefined) return [name, backend];
      const key = `backends.${name}.key_file`;
      const keyFile = at(key, backend.key_file);
      refuseMovedKey(key, keyFile, path.resolve(datadir, backend.key_file));
      return [name, { ...backend, key_file: keyFile }];
    }),
  );
  return { ...config, datadir, backends };
}

/**
 * A relative `key_file` was inside the data directory: missing where it now points, the host would
 * make a new key there and sign with it, which the CL and the servers trusting the old one refuse.
 */
function refuseMovedKey(key: string, keyFile: string, before: string): void {
  if (keyFile === before || existsSync(keyFile) || !existsSync(before)) return;
  throw new InvalidConfigError(
    `${key}: ${keyFile} does not exist, but ${before} does: a relative key_file was inside the datadir, and is now relative to the config file (or the working directory): write the key's path in full`,
  );
}

/**
 * `plugin_settings` with the keys each plugin names as paths (`paths` of its `@ProofPlugin`)
 * resolved by `settingPath`: a plugin reads its settings through core, which knows no config file.
 */
export function pluginSettingPaths(
  config: ProverConfig,
  plugins: readonly ProofPluginDefinition[],
): ProverConfig["plugin_settings"] {
  const settings = { ...config.plugin_settings };
  for (const { kind, paths = [] } of plugins) {
    const section = settings[kind];
    if (section === undefined) continue;
    const resolved = { ...section };
    for (const key of paths) {
      const value = section[key];
      if (typeof value === "string" && value !== "") {
        resolved[key] = settingPath(value, fileOfKey(config, `plugin_settings.${kind}.${key}`));
      }
    }
    settings[kind] = resolved;
  }
  return settings;
}
