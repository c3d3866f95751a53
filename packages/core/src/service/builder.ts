// tsyringe needs the Reflect metadata polyfill loaded before it; load it here so users never have to.
import "reflect-metadata";
import type { Kysely } from "kysely";
import { type DependencyContainer, container as rootContainer } from "tsyringe";
import { type Clock, systemClock } from "../contracts/clock.js";
import { isValidKind } from "../contracts/context.js";
import type { HostResolver, ZkVmHost } from "../contracts/host.js";
import { consoleLogger, LOGGER, type PluginLogger } from "../contracts/logger.js";
import type { ProofPluginHandler } from "../contracts/plugin.js";
import { PLUGIN_SETTINGS, PluginSettings } from "../contracts/plugin-settings.js";
import { type RetryPolicy, resolveRetryPolicy } from "../contracts/retry.js";
import type { TaskTransition } from "../contracts/status.js";
import { type Backend, isValidBackend } from "../contracts/task-id.js";
import { DuplicateKindError, errorMessage, InvalidConfigError, UnknownKindError } from "../errors.js";
import { KindRegistry, type RegisteredKind } from "../registry/kind-registry.js";
import {
  type ProofPluginClass,
  type ProofPluginDefinition,
  type ProofPluginOptions,
  pluginCatalogue,
  pluginDefinitionOf,
} from "../registry/proof-plugin.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { TaskCounts } from "../scheduler/task-counts.js";
import { TransitionBus } from "../scheduler/transition-bus.js";
import { migrateToLatest } from "../store/migrations.js";
import { openDatabase } from "../store/open-database.js";
import type { Database } from "../store/schema.js";
import { TaskStore } from "../store/task-store.js";
import { ProverService } from "./prover-service.js";

export interface ProverServiceOptions {
  /** A database file path (`:memory:` for tests), or an open kysely instance the caller owns. */
  readonly database: { readonly path: string } | Kysely<Database>;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
  /** The app's container; plugins are resolved in a child of it. Defaults to tsyringe's root. */
  readonly container?: DependencyContainer;
  /** Concurrency per backend, overriding what the hosts declare. */
  readonly concurrency?: Readonly<Record<Backend, number>>;
  readonly pollIntervalMs?: number;
  /** What `defaultBackend()` answers; default "native" when configured, else the first backend. */
  readonly defaultBackend?: Backend;
  /** Errors the service cannot hand to a caller (a throwing listener, a failed background tick). */
  readonly onError?: (error: unknown, context: string) => void;
}

/**
 * Composes plugins and hosts into a running service: the ADR's RegistryProverServiceBuilder.
 * Every mistake in composition (duplicate kind, unknown kind, backend without a host, a plugin
 * whose collaborators the container cannot supply) fails here, before any task runs.
 */
export class ProverServiceBuilder {
  private readonly plugins = new Map<string, ProofPluginDefinition>();
  private readonly instances = new Map<string, ProofPluginHandler>();
  private readonly hostsByBackend = new Map<Backend, ZkVmHost>();
  private readonly resolvers: HostResolver[] = [];
  private readonly listeners: ((transition: TaskTransition) => void)[] = [];

  constructor(private readonly options: ProverServiceOptions) {}

  /** Adds a plugin, by class or by kind from the catalogue of imported plugins. */
  register(plugin: ProofPluginClass | string): this {
    const definition = typeof plugin === "string" ? this.fromCatalogue(plugin) : pluginDefinitionOf(plugin);
    const existing = this.plugins.get(definition.kind);
    if (existing) {
      throw new DuplicateKindError(definition.kind, existing.pluginClass.name, definition.pluginClass.name);
    }
    this.plugins.set(definition.kind, definition);
    return this;
  }

  /**
   * Adds a plugin instance made by the caller, outside the container and the catalogue: for
   * test doubles and programmatic proof types. Same duplicate-kind rule as `register`.
   */
  registerHandler(options: ProofPluginOptions, handler: ProofPluginHandler): this {
    if (!isValidKind(options.kind)) throw new InvalidConfigError(`invalid plugin kind "${options.kind}"`);
    const existing = this.plugins.get(options.kind);
    const name = handler.constructor?.name ?? "handler";
    if (existing) throw new DuplicateKindError(options.kind, existing.pluginClass.name, name);
    this.plugins.set(options.kind, { ...options, pluginClass: handler.constructor as ProofPluginClass });
    this.instances.set(options.kind, handler);
    return this;
  }

  /** A host that serves every registered kind on its backend. */
  host(host: ZkVmHost): this {
    if (!isValidBackend(host.backend)) throw new InvalidConfigError(`invalid backend name "${host.backend}"`);
    if (this.hostsByBackend.has(host.backend)) {
      throw new InvalidConfigError(
        `backend "${host.backend}" has two hosts; use a HostResolver to map kinds`,
      );
    }
    this.hostsByBackend.set(host.backend, host);
    return this;
  }

  /** Hosts per (kind, backend), e.g. built from config by @paas/zkvm's resolver. */
  hosts(resolver: HostResolver): this {
    this.resolvers.push(resolver);
    return this;
  }

  /** Listens from the very start, so transitions made while recovering from a crash are seen too. */
  onTransition(listener: (transition: TaskTransition) => void): this {
    this.listeners.push(listener);
    return this;
  }

  async launch(): Promise<ProverService> {
    if (this.plugins.size === 0) throw new InvalidConfigError("no proof plugins registered");
    const retry = resolveRetryPolicy(this.options.retry);
    const concurrency = this.backendConcurrency();
    const defaultBackend =
      this.options.defaultBackend ??
      (concurrency.has("native") ? "native" : [...concurrency.keys()].sort()[0]!);
    if (!concurrency.has(defaultBackend)) {
      throw new InvalidConfigError(`default backend "${defaultBackend}" is not configured`);
    }
    const container = (this.options.container ?? rootContainer).createChildContainer();
    if (!container.isRegistered(PLUGIN_SETTINGS, true)) {
      container.registerInstance(PLUGIN_SETTINGS, new PluginSettings());
    }
    if (!container.isRegistered(LOGGER, true)) container.registerInstance(LOGGER, consoleLogger);
    const kinds = new KindRegistry(
      [...this.plugins.values()].map((d) => this.instantiate(d, container, concurrency)),
      concurrency,
    );
    const { db, release } = await this.openDatabase();
    const onError = this.options.onError ?? defaultOnError;
    const bus = new TransitionBus((error) => onError(error, "transition listener"));
    const store = new TaskStore(db);
    const counts = new TaskCounts();
    counts.load(await store.countByStatus());
    bus.on((t) => counts.apply(t));
    for (const listener of this.listeners) bus.on(listener);
    const scheduler = new Scheduler(store, kinds, bus, {
      retry,
      clock: this.options.clock ?? systemClock,
      pollIntervalMs: this.options.pollIntervalMs ?? 5_000,
      onError,
    });
    const service = new ProverService({ store, kinds, scheduler, bus, counts, defaultBackend, release });
    try {
      await scheduler.start();
      await service.startPlugins();
    } catch (error) {
      await service.close();
      throw error;
    }
    return service;
  }

  private fromCatalogue(kind: string): ProofPluginDefinition {
    const definition = pluginCatalogue.get(kind);
    if (!definition) throw new UnknownKindError(kind, pluginCatalogue.kinds());
    return definition;
  }

  private backendConcurrency(): Map<Backend, number> {
    const concurrency = new Map<Backend, number>();
    for (const host of this.hostsByBackend.values()) concurrency.set(host.backend, host.concurrency);
    for (const resolver of this.resolvers) {
      for (const slots of resolver.backends()) concurrency.set(slots.backend, slots.concurrency);
    }
    for (const [backend, n] of Object.entries(this.options.concurrency ?? {})) {
      if (!concurrency.has(backend))
        throw new InvalidConfigError(`concurrency given for backend "${backend}", which has no host`);
      concurrency.set(backend, n);
    }
    if (concurrency.size === 0) throw new InvalidConfigError("no backends: add a host or a host resolver");
    for (const [backend, n] of concurrency) {
      if (!Number.isInteger(n) || n < 1) {
        throw new InvalidConfigError(
          `backend "${backend}": concurrency must be a positive integer, got ${n}`,
        );
      }
    }
    return concurrency;
  }

  private instantiate(
    definition: ProofPluginDefinition,
    container: DependencyContainer,
    concurrency: ReadonlyMap<Backend, number>,
  ): RegisteredKind {
    const hosts = new Map<Backend, ZkVmHost>();
    for (const backend of concurrency.keys()) {
      const host =
        this.resolvers.map((r) => r.hostFor(definition.kind, backend)).find(Boolean) ??
        this.hostsByBackend.get(backend);
      if (!host)
        throw new InvalidConfigError(`no host for kind "${definition.kind}" on backend "${backend}"`);
      hosts.set(backend, host);
    }
    const instance = this.instances.get(definition.kind);
    if (instance) return { definition, handler: instance, hosts };
    let handler: RegisteredKind["handler"];
    try {
      // Each plugin resolves in a scope of its own whose LOGGER names it.
      const scope = container.createChildContainer();
      const logger = container.resolve<PluginLogger>(LOGGER);
      scope.registerInstance(LOGGER, logger.child?.({ plugin: definition.kind }) ?? logger);
      handler = scope.resolve(definition.pluginClass);
    } catch (error) {
      throw new InvalidConfigError(
        `cannot construct plugin ${definition.pluginClass.name} (kind "${definition.kind}"): ${errorMessage(error)}`,
      );
    }
    return { definition, handler, hosts };
  }

  private async openDatabase(): Promise<{ db: Kysely<Database>; release: () => Promise<void> }> {
    const { database } = this.options;
    if ("path" in database) {
      const opened = await openDatabase({ path: database.path });
      return { db: opened.db, release: opened.close };
    }
    await migrateToLatest(database as Kysely<unknown>);
    return { db: database, release: async () => {} };
  }
}

function defaultOnError(error: unknown, context: string): void {
  console.error(`[paas] ${context}:`, error);
}
