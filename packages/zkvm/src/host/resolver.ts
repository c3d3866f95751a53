import type { BackendSlots, HostResolver, ZkVmHost } from "@paas/core";
import { HostConfigError } from "../errors.js";
import { nativeHostFactory } from "./native-factory.js";

/** One backend's options as read from config; its factory validates them. */
export type BackendOptions = Readonly<Record<string, unknown>>;

export interface HostsConfig {
  /** Backend name → options, e.g. `{ native: { workers: 2 } }`. Each backend gets one host. */
  readonly backends: Readonly<Record<string, BackendOptions>>;
  /**
   * Kind → backend → option overrides. The kind gets a host of its own for that backend (its own
   * worker pool), built from the backend's options with the overrides applied.
   */
  readonly kinds?: Readonly<Record<string, Readonly<Record<string, BackendOptions>>>>;
}

export interface HostFactoryContext {
  readonly backend: string;
  /** Where the options are in the config, for error messages: `backends.native`, `kinds.checkpoint.native`. */
  readonly where: string;
  readonly dataDir?: string;
}

/** Builds one host; throws `HostConfigError` on options it refuses. */
export type HostFactory = (options: BackendOptions, context: HostFactoryContext) => ZkVmHost;

export interface HostResolverOptions {
  /** Where key files live (the native host's default key file is `<dataDir>/native-host.key`). */
  readonly dataDir?: string;
  /** Backend implementations beside the built-in `native`, by backend name. */
  readonly factories?: Readonly<Record<string, HostFactory>>;
}

export interface ZkVmHostResolver extends HostResolver {
  /** Every host this resolver built, kind-specific ones included (e.g. to subscribe to `onProved`). */
  hosts(): readonly ZkVmHost[];
  /** Closes every host this resolver built. */
  close(): Promise<void>;
}

/** Backend names the contract admits for real zkVMs, which have no host implementation yet. */
export const RESERVED_BACKENDS: readonly string[] = ["sp1", "risc0", "remote"];

const BUILT_IN: Readonly<Record<string, HostFactory>> = { native: nativeHostFactory };

interface PlannedHost {
  readonly backend: string;
  readonly kind?: string;
  readonly where: string;
  readonly options: BackendOptions;
}

/**
 * Builds every configured host at startup and maps (kind, backend) to one: the TypeScript form of
 * the ADR's `resolve_host!`. The whole config is checked before any host (and its worker pool) is
 * built, and a host that fails to build closes the ones built before it.
 */
export function createHostResolver(config: HostsConfig, options: HostResolverOptions = {}): ZkVmHostResolver {
  const factories: Readonly<Record<string, HostFactory>> = { ...BUILT_IN, ...options.factories };
  const plan = planHosts(config, factories);
  const built: ZkVmHost[] = [];
  const byBackend = new Map<string, ZkVmHost>();
  const byKind = new Map<string, ZkVmHost>();
  // A backend's slots are the workers of all its hosts: its own and those of kind-specific hosts.
  const slots = new Map<string, number>();
  try {
    for (const { backend, kind, where, options: hostOptions } of plan) {
      const host = factories[backend]!(hostOptions, { backend, where, dataDir: options.dataDir });
      built.push(host);
      if (kind === undefined) byBackend.set(backend, host);
      else byKind.set(kindKey(kind, backend), host);
      slots.set(backend, (slots.get(backend) ?? 0) + host.concurrency);
    }
  } catch (error) {
    void Promise.allSettled(built.map((host) => host.close()));
    throw error;
  }
  return {
    backends(): BackendSlots[] {
      return [...slots]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([backend, concurrency]) => ({ backend, concurrency }));
    },
    hostFor(kind, backend) {
      return byKind.get(kindKey(kind, backend)) ?? byBackend.get(backend);
    },
    hosts() {
      return [...built];
    },
    async close() {
      await Promise.all(built.map((host) => host.close()));
    },
  };
}

function kindKey(kind: string, backend: string): string {
  return `${kind}\u0000${backend}`;
}

function planHosts(config: HostsConfig, factories: Readonly<Record<string, HostFactory>>): PlannedHost[] {
  const backends = record(config?.backends, "backends");
  const names = Object.keys(backends);
  if (names.length === 0) throw invalid("backends: configure at least one backend (e.g. native)");
  const plan: PlannedHost[] = [];
  for (const backend of names) {
    checkImplemented(backend, factories);
    plan.push({
      backend,
      where: `backends.${backend}`,
      options: record(backends[backend], `backends.${backend}`),
    });
  }
  const kinds = config.kinds === undefined ? {} : record(config.kinds, "kinds");
  for (const [kind, overrides] of Object.entries(kinds)) {
    for (const [backend, override] of Object.entries(record(overrides, `kinds.${kind}`))) {
      const where = `kinds.${kind}.${backend}`;
      if (!(backend in backends)) {
        throw invalid(
          `${where}: backend "${backend}" is not configured in backends (configured: ${names.join(", ")})`,
        );
      }
      const base = plan.find((entry) => entry.backend === backend && entry.kind === undefined)!;
      plan.push({ backend, kind, where, options: { ...base.options, ...record(override, where) } });
    }
  }
  return plan;
}

function checkImplemented(backend: string, factories: Readonly<Record<string, HostFactory>>): void {
  if (factories[backend]) return;
  const implemented = Object.keys(factories).join(", ");
  if (RESERVED_BACKENDS.includes(backend)) {
    throw new HostConfigError(
      "HOST_NOT_IMPLEMENTED",
      `backends.${backend}: backend "${backend}" has no host implementation yet (implemented: ${implemented})`,
    );
  }
  throw new HostConfigError(
    "HOST_UNKNOWN_BACKEND",
    `backends.${backend}: unknown backend "${backend}" (implemented: ${implemented}; reserved: ${RESERVED_BACKENDS.join(", ")})`,
  );
}

function record(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(`${where} must be an object`);
  return value as Readonly<Record<string, unknown>>;
}

function invalid(message: string): HostConfigError {
  return new HostConfigError("HOST_INVALID_CONFIG", message);
}
