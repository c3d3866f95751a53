import type { BackendSlots, HostResolver, PluginLogger, ZkVmHost } from "@paas/core";
import { HostConfigError } from "../errors.js";
import { nativeHostFactory } from "./native-factory.js";
import { remoteHostFactory } from "./remote-factory.js";

/** One backend's options as read from config; its factory validates them. `type` picks the factory. */
export type BackendOptions = Readonly<Record<string, unknown>>;

export interface HostsConfig {
  /**
   * Backend name → options, e.g. `{ native: { type: "native", workers: 2 }, net: { type: "remote",
   * url, publicKey } }`. Each backend gets one host, with its own capacity. `type` defaults to the
   * backend's name when that names a type (a backend called "native" is native).
   */
  readonly backends: Readonly<Record<string, BackendOptions>>;
}

export interface HostFactoryContext {
  readonly backend: string;
  /** Where the options are in the config, for error messages: `backends.native`. */
  readonly where: string;
  readonly dataDir?: string;
  /** Where hosts report what an operator must hear of (a remote server's refused receipt). */
  readonly logger?: PluginLogger;
  /** Every backend's receipt-signing key: a host whose guests verify inner receipts accepts these. */
  readonly trustedPublicKeys: readonly string[];
}

/** One kind of backend: what it signs with (known before any host is built) and how to build one. */
export interface HostFactory {
  /** Validates the options (throws `HostConfigError`) and says which key this backend's receipts carry. */
  publicKey(options: BackendOptions, context: Omit<HostFactoryContext, "trustedPublicKeys">): string;
  create(options: BackendOptions, context: HostFactoryContext): ZkVmHost;
}

export interface HostResolverOptions {
  /** Where key files live (the native host's default key file is `<dataDir>/native-host.key`). */
  readonly dataDir?: string;
  readonly logger?: PluginLogger;
  /** Backend types beside the built-in `native` and `remote`, by type name. */
  readonly factories?: Readonly<Record<string, HostFactory>>;
}

export interface ZkVmHostResolver extends HostResolver {
  /** Every host this resolver built (e.g. to subscribe to `onProved`). */
  hosts(): readonly ZkVmHost[];
  /** The key each backend's receipts are signed with, by backend name. */
  publicKeys(): Readonly<Record<string, string>>;
  /** Closes every host this resolver built. */
  close(): Promise<void>;
}

/** Backend types the contract names for real zkVMs, which have no host implementation here yet. */
export const RESERVED_BACKENDS: readonly string[] = ["sp1", "risc0"];

const BUILT_IN: Readonly<Record<string, HostFactory>> = {
  native: nativeHostFactory,
  remote: remoteHostFactory,
};

interface PlannedHost {
  readonly backend: string;
  readonly where: string;
  readonly factory: HostFactory;
  readonly options: BackendOptions;
  readonly publicKey: string;
}

/**
 * Builds every configured host at startup and maps (kind, backend) to one: the TypeScript form of
 * the ADR's `resolve_host!`. The whole config is checked (and every backend's key known) before
 * any host is built; a host that fails to build closes the ones built before it. Native hosts'
 * guests accept inner receipts signed by any configured backend, so a proof type can depend on
 * proofs made on another backend.
 */
export function createHostResolver(config: HostsConfig, options: HostResolverOptions = {}): ZkVmHostResolver {
  const factories: Readonly<Record<string, HostFactory>> = { ...BUILT_IN, ...options.factories };
  const plan = planHosts(config, factories, options.dataDir);
  const trustedPublicKeys = [...new Set(plan.map((p) => p.publicKey))];
  const built = new Map<string, ZkVmHost>();
  try {
    for (const { backend, where, factory, options: hostOptions } of plan) {
      built.set(
        backend,
        factory.create(hostOptions, {
          backend,
          where,
          dataDir: options.dataDir,
          trustedPublicKeys,
          ...(options.logger && { logger: options.logger }),
        }),
      );
    }
  } catch (error) {
    void Promise.allSettled([...built.values()].map((host) => host.close()));
    throw error;
  }
  return {
    backends(): BackendSlots[] {
      return [...built]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([backend, host]) => ({ backend, concurrency: host.concurrency }));
    },
    hostFor(_kind, backend) {
      return built.get(backend);
    },
    hosts() {
      return [...built.values()];
    },
    publicKeys() {
      return Object.fromEntries(plan.map((p) => [p.backend, p.publicKey]));
    },
    async close() {
      await Promise.all([...built.values()].map((host) => host.close()));
    },
  };
}

function planHosts(
  config: HostsConfig,
  factories: Readonly<Record<string, HostFactory>>,
  dataDir: string | undefined,
): PlannedHost[] {
  const backends = record(config?.backends, "backends");
  const names = Object.keys(backends);
  if (names.length === 0) throw invalid("backends: configure at least one backend (e.g. native)");
  return names.map((backend) => {
    const where = `backends.${backend}`;
    const { type = backend, ...rest } = record(backends[backend], where);
    if (typeof type !== "string") throw invalid(`${where}.type must be a string`);
    const factory = factoryFor(type, where, factories);
    return {
      backend,
      where,
      factory,
      options: rest,
      publicKey: factory.publicKey(rest, { backend, where, dataDir }),
    };
  });
}

function factoryFor(
  type: string,
  where: string,
  factories: Readonly<Record<string, HostFactory>>,
): HostFactory {
  const factory = factories[type];
  if (factory) return factory;
  const implemented = Object.keys(factories).join(", ");
  if (RESERVED_BACKENDS.includes(type)) {
    throw new HostConfigError(
      "HOST_NOT_IMPLEMENTED",
      `${where}.type: "${type}" has no host implementation here (implemented: ${implemented}); a ${type} proving service can be reached through a "remote" backend speaking the remote-prover contract`,
    );
  }
  throw new HostConfigError(
    "HOST_UNKNOWN_BACKEND",
    `${where}.type: unknown backend type "${type}" (implemented: ${implemented})`,
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
