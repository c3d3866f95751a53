import type { ZkVmHost } from "../contracts/host.js";
import type { ProofPluginHandler } from "../contracts/plugin.js";
import type { Backend } from "../contracts/task-id.js";
import { UnknownBackendError, UnknownKindError } from "../errors.js";
import type { ProofPluginDefinition } from "./proof-plugin.js";

/** A plugin as the running service knows it: its definition, its instance, and its host per backend. */
export interface RegisteredKind {
  readonly definition: ProofPluginDefinition;
  readonly handler: ProofPluginHandler;
  readonly hosts: ReadonlyMap<Backend, ZkVmHost>;
}

/** Per proof type: the backend its tasks go to when a submission names none, and its proof timeout. */
export interface KindOptions {
  readonly backend?: Backend;
  /** A proof (one attempt of the prove step) running longer is stopped and retried. */
  readonly proveTimeoutMs?: number;
}

/** The ADR's ProgramRegistry: routes a context to its plugin by `kind`, and a backend to its host. */
export class KindRegistry {
  private readonly byKind: ReadonlyMap<string, RegisteredKind>;

  constructor(
    kinds: readonly RegisteredKind[],
    readonly concurrency: ReadonlyMap<Backend, number>,
    private readonly defaultBackend: Backend,
    private readonly options: Readonly<Record<string, KindOptions>> = {},
  ) {
    this.byKind = new Map(kinds.map((k) => [k.definition.kind, k]));
  }

  /** The backend a kind's tasks go to when nobody names one: its own mapping, else the default. */
  backendFor(kind: string): Backend {
    return this.options[kind]?.backend ?? this.defaultBackend;
  }

  proveTimeoutFor(kind: string): number | undefined {
    return this.options[kind]?.proveTimeoutMs;
  }

  get(kind: string): RegisteredKind {
    const found = this.byKind.get(kind);
    if (!found) throw new UnknownKindError(kind, this.kinds());
    return found;
  }

  has(kind: string): boolean {
    return this.byKind.has(kind);
  }

  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }

  backends(): string[] {
    return [...this.concurrency.keys()].sort();
  }

  requireBackend(backend: Backend): void {
    if (!this.concurrency.has(backend)) throw new UnknownBackendError(backend, this.backends());
  }

  hostFor(kind: string, backend: Backend): ZkVmHost {
    const host = this.get(kind).hosts.get(backend);
    if (!host) throw new UnknownBackendError(backend, [...this.get(kind).hosts.keys()]);
    return host;
  }
}
