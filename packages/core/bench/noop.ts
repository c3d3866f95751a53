import {
  type DatabaseLocation,
  type ProofReceipt,
  type ProverService,
  ProverServiceBuilder,
  type ProverServiceOptions,
  type ZkVmHost,
} from "../src/index.js";

/** The benchmark's only proof type: no dependencies, no input, proven instantly. */
export const NOOP_KIND = "noop";

const RECEIPT: ProofReceipt = {
  proof: new Uint8Array(64),
  publicValues: new Uint8Array(32),
  metadata: { zkvm: "native", programId: new Uint8Array(32), version: "1", proofType: "core" },
};

/** A host that proves instantly: what remains is the scheduler's own cost. */
function noopHost(concurrency: number): ZkVmHost {
  return {
    backend: "native",
    zkvm: "native",
    concurrency,
    prove: async () => RECEIPT,
    close: async () => {},
  };
}

export type NoopServiceOptions = Pick<ProverServiceOptions, "instanceId" | "role" | "claim">;

/** A service that proves no-op tasks on `database` with `concurrency` slots. */
export function launchNoop(
  database: DatabaseLocation,
  concurrency: number,
  options: NoopServiceOptions = {},
): Promise<ProverService> {
  return new ProverServiceBuilder({ database, ...options })
    .host(noopHost(concurrency))
    .registerHandler(
      { kind: NOOP_KIND, program: { name: "noop", version: "1" } },
      { parseContext: (raw) => raw, fetchInput: async () => null },
    )
    .launch();
}

/** A submitter only: it stores tasks and reads state, and claims nothing (other instances prove). */
export function launchSubmitter(database: DatabaseLocation): Promise<ProverService> {
  return launchNoop(database, 1, { instanceId: "bench-submitter", role: "worker", claim: { kinds: [] } });
}

/** Submits `n` no-op tasks in batches of `batch`, each batch one `submitMany`; returns their ids. */
export async function submitNoops(service: ProverService, n: number, batch: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += batch) {
    const contexts = [];
    for (let j = i; j < Math.min(n, i + batch); j++) contexts.push({ kind: NOOP_KIND, index: j });
    for (const { task } of await service.submitMany(contexts, "native")) ids.push(task.id);
  }
  return ids;
}
