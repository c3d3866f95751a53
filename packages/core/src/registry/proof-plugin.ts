// tsyringe needs the Reflect metadata polyfill loaded before it; load it here so users never have to.
import "reflect-metadata";
import { injectable } from "tsyringe";
import { isValidKind } from "../contracts/context.js";
import type { ProofPluginHandler } from "../contracts/plugin.js";
import type { ProgramDescriptor } from "../contracts/program.js";
import { DuplicateKindError, InvalidConfigError } from "../errors.js";

export interface ProofPluginOptions {
  /** The routing key: contexts with this `kind` go to this plugin. */
  readonly kind: string;
  readonly program: ProgramDescriptor;
  readonly description?: string;
  /**
   * Validates the kind's `[plugin_settings.<kind>]` section (absent: `{}`), throwing
   * `InvalidConfigError` naming the key: the builder runs it before it opens the database or
   * constructs anything, so a bad setting stops a start before anything has been touched.
   */
  readonly settings?: (raw: unknown) => unknown;
  /**
   * Keys of that section that name a file or directory. A relative one is the app's to resolve,
   * since only the app knows where it was written (the prover client: in its config file, relative
   * to that file; from the environment or the command line, to the working directory): the
   * section reaches the plugin with them absolute.
   */
  readonly paths?: readonly string[];
  /**
   * The kinds whose proofs this one's dependencies are (a plugin declares what it needs): an app
   * composing this plugin without a plugin for each of them is refused at start, where its tasks
   * would otherwise wait forever.
   */
  readonly dependsOn?: readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: constructor parameters are the container's business
export type ProofPluginClass = new (...args: any[]) => ProofPluginHandler<any, any>;

export interface ProofPluginDefinition extends ProofPluginOptions {
  readonly pluginClass: ProofPluginClass;
}

const definitions = new WeakMap<ProofPluginClass, ProofPluginDefinition>();
const catalogueByKind = new Map<string, ProofPluginDefinition>();

/**
 * Declares a proof type. At import time the class is made injectable and entered in the
 * catalogue under its kind, so an app can compose it by kind without naming the class.
 */
export function ProofPlugin(options: ProofPluginOptions) {
  if (!isValidKind(options.kind)) {
    throw new InvalidConfigError(`invalid plugin kind "${options.kind}": use lower-case words joined by "-"`);
  }
  return <T extends ProofPluginClass>(target: T): T => {
    injectable()(target);
    const definition: ProofPluginDefinition = { ...options, pluginClass: target };
    const existing = catalogueByKind.get(options.kind);
    if (existing && existing.pluginClass !== target) {
      throw new DuplicateKindError(options.kind, existing.pluginClass.name, target.name);
    }
    definitions.set(target, definition);
    catalogueByKind.set(options.kind, definition);
    return target;
  };
}

/** The definition of a value that is a `@ProofPlugin` class, or undefined for anything else. */
export function findPluginDefinition(value: unknown): ProofPluginDefinition | undefined {
  return typeof value === "function" ? definitions.get(value as ProofPluginClass) : undefined;
}

export function pluginDefinitionOf(pluginClass: ProofPluginClass): ProofPluginDefinition {
  const definition = definitions.get(pluginClass);
  if (!definition) {
    throw new InvalidConfigError(`${pluginClass.name} is not a proof plugin: decorate it with @ProofPlugin`);
  }
  return definition;
}

/** Every proof plugin imported so far, by kind. */
export const pluginCatalogue = {
  get(kind: string): ProofPluginDefinition | undefined {
    return catalogueByKind.get(kind);
  },
  kinds(): string[] {
    return [...catalogueByKind.keys()].sort();
  },
};
