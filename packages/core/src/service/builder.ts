// tsyringe needs the Reflect metadata polyfill loaded before it; load it here so users never have to.
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type DependencyContainer, container as rootContainer } from "tsyringe";
import { ClusterMembership, type InstanceRole } from "../cluster/membership.js";
import { localWakeups, notifyWakeups } from "../cluster/wakeups.js";
import { type Clock, MAX_TIMER_MS, systemClock } from "../contracts/clock.js";
import { isValidKind } from "../contracts/context.js";
import type { HostResolver, ZkVmHost } from "../contracts/host.js";
import { consoleLogger, LOGGER, type PluginLogger } from "../contracts/logger.js";
import type { ProofPluginHandler } from "../contracts/plugin.js";
import { PLUGIN_SETTINGS, PluginSettings } from "../contracts/plugin-settings.js";
import { type RetryPolicy, resolveRetryPolicy } from "../contracts/retry.js";
import type { TaskTransition } from "../contracts/status.js";
import { type Backend, isValidBackend } from "../contracts/task-id.js";
import { DuplicateKindError, errorMessage, InvalidConfigError, UnknownKindError } from "../errors.js";
import { type KindOptions, KindRegistry, type RegisteredKind } from "../registry/kind-registry.js";
import {
  type ProofPluginClass,
  type ProofPluginDefinition,
  type ProofPluginOptions,
  pluginCatalogue,
  pluginDefinitionOf,
} from "../registry/proof-plugin.js";
import type { PrefetchOptions } from "../scheduler/proving-slots.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { TransitionBus } from "../scheduler/transition-bus.js";
import { ClusterStore } from "../store/cluster-store.js";
import { migrationsFor } from "../store/migrations/index.js";
import { type DatabaseLocation, type OpenedDatabase, openDatabase } from "../store/open-database.js";
import { OperatorStore } from "../store/operator-store.js";
import { TaskStore } from "../store/task-store.js";
import { ProverService } from "./prover-service.js";

export interface ProverServiceOptions {
  /** A SQLite file (`:memory:` for tests; one process per file) or a PostgreSQL URL (several instances). */
  readonly database: DatabaseLocation;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
  /** The app's container; plugins are resolved in a child of it. Defaults to tsyringe's root. */
  readonly container?: DependencyContainer;
  /** Concurrency per backend, overriding what the hosts declare. */
  readonly concurrency?: Readonly<Record<Backend, number>>;
  /** How often to look for work nobody announced; default 5 s. */
  readonly pollIntervalMs?: number;
  /** How long a claim holds a task without renewal; default 30 s. Takeover after a crash waits this long. */
  readonly leaseMs?: number;
  /** Attempts a task may lose to crashes of its instance before it fails permanently; default 3. */
  readonly maxInterruptions?: number;
  /** How long a task waits before asking the chain again for something not produced yet; default 5 s. */
  readonly waitForChainMs?: number;
  /** This instance's name in leases and history; default `newInstanceId()`. */
  readonly instanceId?: string;
  /** `worker`: claims and proves, runs no once-per-cluster service. Default `all`. */
  readonly role?: InstanceRole;
  /** Inputs fetched ahead of free proving slots: how many per backend, within what heap size. */
  readonly prefetch?: PrefetchOptions;
  /** Restricts what this instance claims (heavy proof types to bigger machines). Default: everything. */
  readonly claim?: { readonly kinds?: readonly string[]; readonly backends?: readonly string[] };
  /** What `defaultBackend()` answers; default "native" when configured, else the first backend. */
  readonly defaultBackend?: Backend;
  /**
   * Per proof type: the backend its tasks go to when a submission names none (dependencies
   * included), and how long one proof may run. A kind's own backend gives it capacity of its own.
   */
  readonly kinds?: Readonly<Record<string, KindOptions>>;
  /** Errors the service cannot hand to a caller (a throwing listener, a failed background tick). */
  readonly onError?: (error: unknown, context: string) => void;
  /**
   * Called each time this instance's heartbeat (a write every third of a lease) commits: after
   * `onError` reported the database out of reach, the first call says it is back.
   */
  readonly onHeartbeat?: () => void;
}

/** A name for a new instance, unique across machines and restarts: `<host>-<pid>-<random>`. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
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
  /** The database `openDatabase()` opened, until `launch()` takes it over. */
  private opening: Promise<OpenedDatabase> | undefined;
  private predecessor: string | undefined;

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

  /**
   * Names this instance's previous process, which the app knows is dead (it holds a lock that one
   * held, which the kernel dropped when it died): its leases, its row in `instances` and its lease
   * of the cluster services are taken over at the start, not once they lapse (20 to 40 s later
   * with the default lease). Never a process that may still run: fencing keeps it from writing
   * anything, but its work would be taken from it. SQLite takes every lease over at start anyway.
   */
  replacing(predecessor: string): this {
    this.predecessor = predecessor;
    return this;
  }

  /** Listens from the very start, so transitions made while recovering from a crash are seen too. */
  onTransition(listener: (transition: TaskTransition) => void): this {
    this.listeners.push(listener);
    return this;
  }

  /**
   * Opens (and migrates) the task database now instead of at launch, so an app that starts other
   * things first (an embedded chain, a server) learns before them that the database is in use by
   * another instance or unreachable. `launch()` takes it over; the function returned closes it if
   * the app gives up before launching.
   */
  async openDatabase(): Promise<() => Promise<void>> {
    this.checkPlugins();
    // A database that failed to open is not remembered: the next call (or launch) tries again.
    this.opening ??= openDatabase(this.options.database).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    const opening = this.opening;
    const opened = await opening;
    return async () => {
      if (this.opening !== opening) return; // launched: the service closes it
      this.opening = undefined;
      await opened.close();
    };
  }

  async launch(): Promise<ProverService> {
    if (this.plugins.size === 0) throw new InvalidConfigError("no proof plugins registered");
    this.checkPlugins();
    checkPrefetch(this.options.prefetch);
    checkTimings(this.options);
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
      defaultBackend,
      this.checkKinds(concurrency),
    );
    const onError = this.options.onError ?? defaultOnError;
    const log = container.resolve<PluginLogger>(LOGGER);
    this.checkClaim(kinds);
    const opened = await this.takeDatabase();
    // From here the database is launch's: closed by the service, or here if there is none yet.
    let service: ProverService | undefined;
    try {
      const clock = this.options.clock ?? systemClock;
      const instanceId = this.options.instanceId ?? newInstanceId();
      const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
      const bus = new TransitionBus((error) => onError(error, "transition listener"));
      const store = new TaskStore(opened.db, opened.dialect);
      for (const listener of this.listeners) bus.on(listener);
      const wakeups = opened.notifications
        ? notifyWakeups(opened.notifications, instanceId, (error) => onError(error, "wake-up notification"))
        : localWakeups;
      const scheduler = new Scheduler(store, kinds, bus, {
        retry,
        clock,
        pollIntervalMs: this.options.pollIntervalMs ?? 5_000,
        leaseMs,
        maxInterruptions: this.options.maxInterruptions ?? 3,
        waitForChainMs: this.options.waitForChainMs ?? 5_000,
        instanceId,
        exclusive: opened.exclusive,
        ...(this.predecessor !== undefined && { predecessor: this.predecessor }),
        claim: this.options.claim ?? {},
        ...(this.options.prefetch !== undefined && { prefetch: this.options.prefetch }),
        wakeups,
        log,
        onError,
      });
      const role = this.options.role ?? "all";
      const membership = new ClusterMembership(new ClusterStore(opened.db, opened.dialect), {
        instance: { id: instanceId, host: hostname(), pid: process.pid, role, startedAt: clock.now() },
        clock,
        leaseMs,
        log,
        onError,
        ...(this.options.onHeartbeat !== undefined && { onHeartbeat: this.options.onHeartbeat }),
        exclusive: opened.exclusive,
        ...(this.predecessor !== undefined && { predecessor: this.predecessor }),
        // A SQLite file is this process's alone (locked): nobody migrates it under us.
        ...(!opened.exclusive && {
          schema: {
            known: Object.keys(migrationsFor(opened.dialect)),
            onNewer: (migrations: readonly string[]) => {
              log.error({ migrations }, "a newer version of PaaS migrated the task database; stopping");
              void service
                ?.stopOnNewerSchema(migrations)
                .catch((error: unknown) => onError(error, "stopping for a newer schema"));
            },
          },
        }),
      });
      const release = () => opened.close();
      const operator = new OperatorStore(opened.db, opened.dialect, {
        ...("path" in this.options.database &&
          this.options.database.path !== ":memory:" && { file: this.options.database.path }),
      });
      service = new ProverService({
        store,
        operator,
        clock,
        kinds,
        scheduler,
        bus,
        membership,
        defaultBackend,
        sharedDatabase: !opened.exclusive,
        release,
      });
      await scheduler.start();
      await service.startPlugins();
      return service;
    } catch (error) {
      await (service !== undefined ? service.close() : opened.close());
      throw error;
    }
  }

  /** The database `openDatabase()` opened, or a newly opened one; the builder no longer holds it. */
  private async takeDatabase(): Promise<OpenedDatabase> {
    const opening = this.opening ?? openDatabase(this.options.database);
    this.opening = undefined;
    return opening;
  }

  /**
   * The plugins as composed, before anything is opened or constructed: every kind a plugin
   * `dependsOn` has a plugin too (its tasks would otherwise wait forever for dependencies nobody
   * proves); every `[plugin_settings.<kind>]` section names a registered plugin (a misspelt kind
   * would otherwise be ignored, its settings silently not applied) and passes that plugin's
   * `settings` check. `openDatabase()` and `launch()` run it first; an app may run it sooner,
   * before its own start-up steps.
   */
  checkPlugins(): void {
    const registered = [...this.plugins.keys()];
    for (const definition of this.plugins.values()) {
      const missing = (definition.dependsOn ?? []).filter((kind) => !this.plugins.has(kind));
      if (missing.length > 0) {
        throw new InvalidConfigError(
          `plugin "${definition.kind}" depends on proofs of ${missing.map((k) => `"${k}"`).join(" and ")}, which no registered plugin makes (registered: ${registered.join(", ")}): add ${missing.length === 1 ? "its plugin" : "their plugins"}`,
        );
      }
    }
    const container = this.options.container ?? rootContainer;
    if (!container.isRegistered(PLUGIN_SETTINGS, true)) return;
    const settings = container.resolve<PluginSettings>(PLUGIN_SETTINGS);
    for (const kind of settings.kinds()) {
      if (!this.plugins.has(kind)) {
        throw new InvalidConfigError(
          `plugin_settings.${kind}: no plugin registered for kind "${kind}" (registered: ${registered.join(", ")})`,
        );
      }
    }
    for (const definition of this.plugins.values()) {
      try {
        definition.settings?.(settings.for(definition.kind));
      } catch (error) {
        // A check that throws something else than the documented InvalidConfigError (zod's own
        // `parse`, a plain Error) still says which plugin's section is wrong.
        if (error instanceof InvalidConfigError) throw error;
        throw new InvalidConfigError(`plugin_settings.${definition.kind}: ${errorMessage(error)}`);
      }
    }
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

  /** Every `kinds` entry names a registered kind and a configured backend, and a sane timeout. */
  private checkKinds(concurrency: ReadonlyMap<Backend, number>): Readonly<Record<string, KindOptions>> {
    const kinds = this.options.kinds ?? {};
    for (const [kind, options] of Object.entries(kinds)) {
      if (!this.plugins.has(kind)) {
        throw new InvalidConfigError(
          `kinds.${kind}: no plugin registered for kind "${kind}" (registered: ${[...this.plugins.keys()].sort().join(", ")})`,
        );
      }
      if (options.backend !== undefined && !concurrency.has(options.backend)) {
        throw new InvalidConfigError(
          `kinds.${kind}.backend: backend "${options.backend}" is not configured (configured: ${[...concurrency.keys()].sort().join(", ")})`,
        );
      }
      const timeout = options.proveTimeoutMs;
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
        throw new InvalidConfigError(
          `kinds.${kind}.prove_timeout_ms: a positive number of milliseconds, got ${timeout}`,
        );
      }
    }
    return kinds;
  }

  /** A claim restriction naming a kind nobody registered or a backend nobody configured is a typo. */
  private checkClaim(kinds: KindRegistry): void {
    const { claim } = this.options;
    for (const kind of claim?.kinds ?? []) {
      if (!kinds.has(kind))
        throw new InvalidConfigError(
          `claim.kinds: no plugin registered for kind "${kind}" (registered: ${kinds.kinds().join(", ")})`,
        );
    }
    for (const backend of claim?.backends ?? []) {
      if (!kinds.concurrency.has(backend))
        throw new InvalidConfigError(
          `claim.backends: backend "${backend}" is not configured (configured: ${kinds.backends().join(", ")})`,
        );
    }
  }
}

const DEFAULT_LEASE_MS = 30_000;

function defaultOnError(error: unknown, context: string): void {
  console.error(`[paas] ${context}:`, error);
}

/**
 * Leases, polls and waits as timers can keep them: a lease of 0 would be lapsed as it is taken
 * (every claim taken over), a poll of 0 a busy loop on the database, and anything past a timer's
 * range fires at once.
 */
function checkTimings(options: ProverServiceOptions): void {
  const within = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new InvalidConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  };
  within("leaseMs", options.leaseMs, 100, MAX_TIMER_MS);
  within("pollIntervalMs", options.pollIntervalMs, 10, MAX_TIMER_MS);
  within("waitForChainMs", options.waitForChainMs, 0, MAX_TIMER_MS);
  within("maxInterruptions", options.maxInterruptions, 0, Number.MAX_SAFE_INTEGER);
}

function checkPrefetch(prefetch: PrefetchOptions | undefined): void {
  const { depth, maxHeapBytes } = prefetch ?? {};
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 0)) {
    throw new InvalidConfigError(`prefetch depth must be a non-negative integer, got ${depth}`);
  }
  if (maxHeapBytes !== undefined && (!Number.isInteger(maxHeapBytes) || maxHeapBytes < 1)) {
    throw new InvalidConfigError(`prefetch maxHeapBytes must be a positive integer, got ${maxHeapBytes}`);
  }
}
