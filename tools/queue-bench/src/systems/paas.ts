import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type DatabaseLocation,
  type ProofReceipt,
  type ProverService,
  ProverServiceBuilder,
} from "@paas/core";
import { dropSchema, freshSchemaName, POSTGRES_URL } from "../postgres.js";
import { batchIndexes, countdown, type QueueSystem, type StartedSystem } from "../system.js";

const RECEIPT: ProofReceipt = {
  proof: new Uint8Array(64),
  publicValues: new Uint8Array(32),
  metadata: { zkvm: "native", programId: new Uint8Array(32), version: "1", proofType: "core" },
};

/**
 * PaaS's scheduler with a host that proves instantly, as a production instance runs it: every
 * step claimed with a lease, finished with a fenced write, the receipt and the attempt's history
 * stored, task counts kept. Submit and prove in one process, like the other systems here.
 */
function paas(name: string, database: () => { location: DatabaseLocation; dispose(): Promise<void> }) {
  return {
    name,
    async start(concurrency: number): Promise<StartedSystem> {
      const store = database();
      const service = await new ProverServiceBuilder({ database: store.location })
        .host({
          backend: "native",
          zkvm: "native",
          concurrency,
          prove: async () => RECEIPT,
          close: async () => {},
        })
        .registerHandler(
          { kind: "noop", program: { name: "noop", version: "1" } },
          { parseContext: (raw) => raw, fetchInput: async () => null },
        )
        .launch();
      return {
        run: (jobs, batch) => submitAndWait(service, jobs, batch),
        async stop() {
          await service.close();
          await store.dispose();
        },
      };
    },
  } satisfies QueueSystem;
}

async function submitAndWait(service: ProverService, jobs: number, batch: number): Promise<void> {
  const completed = countdown(jobs);
  const stop = service.onTransition((t) => {
    if (t.to === "completed") completed.tick();
  });
  for (let i = 0; i < jobs; i += batch) {
    await service.submitMany(
      batchIndexes(i, batch, jobs).map((index) => ({ kind: "noop", index })),
      "native",
    );
  }
  await completed.done;
  stop();
}

/** A SQLite file (WAL, synchronous = NORMAL: PaaS's settings) in a fresh temporary directory. */
export const paasSqlite = paas("PaaS SQLite", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "queue-bench-paas-"));
  return {
    location: { path: path.join(dir, "paas.sqlite") },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

/** One instance on a fresh schema of the shared PostgreSQL. */
export const paasPostgres = paas("PaaS PostgreSQL", () => {
  const schema = freshSchemaName("qb_paas");
  return { location: { url: POSTGRES_URL, schema }, dispose: () => dropSchema(schema) };
});
