import type { BackendOptions, HostsConfig } from "@paas/zkvm";
import type { BackendConfig, ProverConfig } from "../config/schema.js";

/** The backends as the zkvm host resolver takes them (its options are camelCase). */
export function hostsConfig(backends: ProverConfig["backends"]): HostsConfig {
  return {
    backends: Object.fromEntries(
      Object.entries(backends).map(([name, backend]) => [name, hostOptions(backend)]),
    ),
  };
}

function hostOptions(backend: BackendConfig): BackendOptions {
  if (backend.type === "native") {
    return {
      type: "native",
      workers: backend.workers,
      ...(backend.key_file !== undefined && { keyFile: backend.key_file }),
      ...(backend.idle_timeout_ms !== undefined && { idleTimeoutMs: backend.idle_timeout_ms }),
      ...(backend.idle_scheduling !== undefined && { idleScheduling: backend.idle_scheduling }),
      ...(backend.max_guest_heap_mb !== undefined && { maxGuestHeapMb: backend.max_guest_heap_mb }),
    };
  }
  return {
    type: "remote",
    url: backend.url,
    publicKey: backend.public_key,
    concurrency: backend.concurrency,
    pollIntervalMs: backend.poll_interval_ms,
    requestTimeoutMs: backend.request_timeout_ms,
    ...(backend.token !== undefined && { token: backend.token }),
  };
}

/** Per-kind backends and proof timeouts as core takes them. */
export function kindOptions(kinds: ProverConfig["kinds"]) {
  return Object.fromEntries(
    Object.entries(kinds).map(([kind, options]) => [
      kind,
      {
        ...(options.backend !== undefined && { backend: options.backend }),
        ...(options.prove_timeout_ms !== undefined && { proveTimeoutMs: options.prove_timeout_ms }),
      },
    ]),
  );
}
