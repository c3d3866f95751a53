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

/** The ADR's ProgramRegistry: routes a context to its plugin by `kind`, and a backend to its host. */
export class KindRegistry {
  private readonly byKind: ReadonlyMap<string, RegisteredKind>;

  constructor(
    kinds: readonly RegisteredKind[],
    readonly concurrency: ReadonlyMap<Backend, number>,
  ) {
    this.byKind = new Map(kinds.map((k) => [k.definition.kind, k]));
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
