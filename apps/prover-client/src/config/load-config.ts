import { readFileSync } from "node:fs";
import { InvalidConfigError, nearestName } from "@paas/core";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { configSchema, type ProverConfig } from "./schema.js";
import { withSettingPaths } from "./setting-paths.js";
import { recordSources, setElsewhere } from "./setting-sources.js";

export interface ConfigSources {
  /** A TOML file. */
  readonly file?: string;
  /** Environment; keys `PAAS_<SECTION>__<KEY>` (double underscore between levels). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * `key.path=value` overrides, e.g. from `--set rpc.port=4850`; or with the flag it came from
   * (`{ set: "rpc.port=4850", from: "--port" }`), which messages then name.
   */
  readonly overrides?: readonly (string | { readonly set: string; readonly from: string })[];
}

const ENV_PREFIX = "PAAS_";

/**
 * The config's top-level keys. A `PAAS_` variable naming none of them is not config but another
 * tool's (`PAAS_PROVER_SERVER_TOKEN`, `PAAS_RPC_TOKEN` of the client commands, a test's): refusing
 * it would stop `paas start` in any shell that has one exported. A mistake below a known key
 * (`PAAS_RPC__COLOUR`) is still reported, and so is a misspelt section (see `SECTIONS`).
 */
const CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(configSchema.shape));

/**
 * The config's tables, which a variable with "__" in its name sets a key of. No other tool's
 * variable is named so, so one naming none of them is a mistyped section (`PAAS_DATABSE__URL`):
 * ignored, the start would run without it, as with one underscore below.
 */
const SECTIONS: readonly string[] = Object.entries(configSchema.shape)
  .filter(([, schema]) => {
    const table = schema instanceof z.ZodDefault ? schema.unwrap() : schema;
    return table instanceof z.ZodObject || table instanceof z.ZodRecord;
  })
  .map(([section]) => section);

/**
 * Sections keyed by a kind or a backend name: lower-case words joined by "-", which no shell can
 * export in a variable's name, and never "_". So from the environment, "_" in such a name stands
 * for "-": `PAAS_PLUGIN_SETTINGS__TX_COUNT__NODE_URL` sets `plugin_settings.tx-count.node_url`.
 */
const NAMED_SECTIONS: ReadonlySet<string> = new Set(["plugin_settings", "kinds", "backends"]);

/**
 * `rpc_port` → `PAAS_RPC__PORT`: a section's key written with one underscore between the levels
 * (`PAAS_RPC_PORT`, `PAAS_DATABASE_URL`) names no config key, so it would be left to another tool
 * and the start would run without it: on the default port, or on SQLite beside a cluster's shared
 * database. No other tool's variable is named so (`PAAS_RPC_TOKEN` is no key of `[rpc]`).
 */
const ONE_UNDERSCORE_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(configSchema.shape).flatMap(([section, schema]) => {
    const table = schema instanceof z.ZodDefault ? schema.unwrap() : schema;
    if (!(table instanceof z.ZodObject)) return [];
    return Object.keys(table.shape).map(
      (key) => [`${section}_${key}`, `${ENV_PREFIX}${section}__${key}`.toUpperCase()] as const,
    );
  }),
);

/**
 * Builds the config: defaults < file < environment < overrides. Values from the environment and
 * overrides are read as TOML values (`3`, `true`, `["a"]`), else as strings. Every problem is
 * reported at once, by key.
 */
export function loadConfig(sources: ConfigSources = {}): ProverConfig {
  const fromFile: Record<string, unknown> = sources.file !== undefined ? readTomlFile(sources.file) : {};
  const raw = structuredClone(fromFile);
  // Where each key not from the file came from, so an unknown one names its variable or flag.
  const sourceOf = new Map<string, string>();
  // Where a key that is in the way came from: named so, a value that is no table is found where
  // it was written, not blamed on the flag or variable that sets a key below it.
  const originOf = (key: string) => sourceOf.get(key) ?? sources.file ?? "the configuration";
  const problems: string[] = [];
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || name === "PAAS_CONFIG") continue;
    const keyPath = name.slice(ENV_PREFIX.length).toLowerCase().split("__");
    if (!CONFIG_KEYS.has(keyPath[0]!)) {
      const meant = keyPath.length === 1 ? ONE_UNDERSCORE_NAMES.get(keyPath[0]!) : undefined;
      if (meant !== undefined) {
        problems.push(
          `  environment variable ${name} names no config key: write ${meant} (two underscores between section and key)`,
        );
      } else if (keyPath.length > 1) {
        const section = nearestName(keyPath[0]!, SECTIONS);
        const rest = name.slice(ENV_PREFIX.length).split("__").slice(1).join("__");
        const guess =
          section === undefined ? "" : ` (did you mean ${ENV_PREFIX}${section.toUpperCase()}__${rest}?)`;
        problems.push(`  environment variable ${name} names no config key: no section ${keyPath[0]}${guess}`);
      }
      continue;
    }
    if (NAMED_SECTIONS.has(keyPath[0]!) && keyPath[1] !== undefined)
      keyPath[1] = keyPath[1].replaceAll("_", "-");
    setPath(raw, keyPath, parseScalar(value), `environment variable ${name}`, originOf);
    sourceOf.set(keyPath.join("."), `environment variable ${name}`);
  }
  for (const entry of sources.overrides ?? []) {
    const override = typeof entry === "string" ? entry : entry.set;
    const eq = override.indexOf("=");
    if (eq <= 0) {
      // Not quoted back: without its "=", a secret meant as the value (`rpc.auth_token:…`) is all
      // there is to quote, and this message reaches logs.
      const what = eq < 0 ? 'one has no "="' : 'one has no key before "="';
      throw new InvalidConfigError(`--set expects key.path=value (e.g. --set rpc.port=4850): ${what}`);
    }
    const keyPath = override.slice(0, eq).split(".");
    // Named by key, never by value: a value may be a secret (a token, a URL with a password), and
    // these messages reach logs.
    const source = typeof entry === "string" ? `--set ${keyPath.join(".")}` : entry.from;
    setPath(raw, keyPath, parseScalar(override.slice(eq + 1)), source, originOf);
    sourceOf.set(keyPath.join("."), source);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) problems.push(...describeIssues(result.error, sourceOf));
  if (problems.length > 0 || !result.success) {
    throw new InvalidConfigError(
      `invalid configuration${sources.file ? ` in ${sources.file}` : ""}:\n${problems.join("\n")}`,
    );
  }
  const writtenIn = (key: string) => (setElsewhere(sourceOf, key) ? undefined : sources.file);
  const setsDatadir = sourceOf.has("datadir") || fromFile.datadir !== undefined;
  return recordSources(withSettingPaths(result.data, writtenIn, setsDatadir), sourceOf, sources.file);
}

function readTomlFile(file: string): Record<string, unknown> {
  // A variable that was not set (`--config "$CONFIG"`): read as no file, the defaults ran.
  if (file.trim() === "") throw new InvalidConfigError("the config file's name is empty");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InvalidConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    // The parser's message quotes the lines around the fault, which may hold a secret (a token
    // whose closing quote is missing): say where and what, not the text. These messages reach logs.
    const { line, column, message } = error as { line?: number; column?: number; message: string };
    const what = message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    const where = line === undefined ? "" : ` at line ${line}, column ${column}`;
    throw new InvalidConfigError(`config file ${file} is not valid TOML${where}: ${what}`);
  }
}

function parseScalar(text: string): unknown {
  try {
    return (parseToml(`v = ${text}`) as { v: unknown }).v;
  } catch {
    return text;
  }
}

function setPath(
  target: Record<string, unknown>,
  keyPath: readonly string[],
  value: unknown,
  source: string,
  originOf: (key: string) => string,
): void {
  if (keyPath.some((k) => k.length === 0)) throw new InvalidConfigError(`${source}: empty key in path`);
  let node = target;
  for (const [depth, key] of keyPath.slice(0, -1).entries()) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next)) {
      const inTheWay = keyPath.slice(0, depth + 1).join(".");
      throw new InvalidConfigError(
        `${inTheWay} (from ${originOf(inTheWay)}) is not a table, so ${source} cannot set ${keyPath.join(".")}`,
      );
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

function describeIssues(error: z.ZodError, sourceOf: ReadonlyMap<string, string>): string[] {
  return tightestBounds(error.issues).map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    const fullKey = (k: string) => [...issue.path, k].join(".");
    // An unknown section (`--set claims.kinds=…`) was set by a key below it.
    const sourceOfKey = (k: string) =>
      sourceOf.get(fullKey(k)) ?? [...sourceOf].find(([key]) => key.startsWith(`${fullKey(k)}.`))?.[1];
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(configSchema, issue.path);
      const unknown = issue.keys.map((k) => {
        const [source, meant] = [sourceOfKey(k), nearestName(k, known)];
        const notes = [source && `from ${source}`, meant && `did you mean "${meant}"?`].filter(Boolean);
        return notes.length > 0 ? `"${k}" (${notes.join("; ")})` : `"${k}"`;
      });
      return `  ${key}: unknown key(s) ${unknown.join(", ")}`;
    }
    const source = sourceOf.get(key);
    return `  ${key}: ${issue.message}${source ? ` (from ${source}${asTomlHint(issue)})` : ""}`;
  });
}

/**
 * Of the bounds a value breaks, the one the key holds it to: zod checks each of a chain (a count's
 * `>0` beside `.min(1000)`, an integer's own `<=2^53-1` beside `.max(10000)`), and a lease of 0 was
 * told two floors, the first not its own.
 */
function tightestBounds(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const bound = (issue: z.core.$ZodIssue) =>
    issue.code === "too_big"
      ? -Number(issue.maximum)
      : issue.code === "too_small"
        ? Number(issue.minimum)
        : undefined;
  return issues.filter((issue) => {
    const own = bound(issue);
    return (
      own === undefined ||
      !issues.some((other) => {
        const theirs = bound(other);
        return (
          other.code === issue.code &&
          other.path.join(".") === issue.path.join(".") &&
          theirs !== undefined &&
          theirs > own
        );
      })
    );
  });
}

/**
 * The keys a table of the config may have at `keyPath`, for guessing what an unknown one meant; a
 * backend's are those of every type.
 */
function keysAt(schema: z.core.$ZodType, keyPath: readonly PropertyKey[]): string[] {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional)
    return keysAt(schema.unwrap(), keyPath);
  if (schema instanceof z.ZodPipe) return keysAt(schema.out, keyPath);
  if (schema instanceof z.ZodUnion) return schema.options.flatMap((option) => keysAt(option, keyPath));
  const [first, ...rest] = keyPath;
  if (schema instanceof z.ZodRecord) return first === undefined ? [] : keysAt(schema.valueType, rest);
  if (!(schema instanceof z.ZodObject)) return [];
  if (first === undefined) return Object.keys(schema.shape);
  const child = schema.shape[String(first)];
  return child === undefined ? [] : keysAt(child, rest);
}

/**
 * How to write a value from the environment or `--set` that TOML read as another type than its
 * key's: there `123` is a number and `2024-01-01` a date, so a seed or a token of that shape
 * needs TOML's quotes, and a list its brackets.
 */
function asTomlHint(issue: z.core.$ZodIssue): string {
  if (issue.code !== "invalid_type") return "";
  if (issue.expected === "string") return `, read as TOML: quote it, '"…"'`;
  if (issue.expected === "array") return `, read as TOML: write a list, '["…"]'`;
  return "";
}
