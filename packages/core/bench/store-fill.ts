/**
 * Fills a task database with a realistic 100k-task mix, straight through SQL (the scheduler would
 * take minutes): checkpoint trees (1 checkpoint → 2 cl-stf → 3 evm-ee-stf each), oldest done,
 * the newest in progress; a few failed, cancelled, retrying; leases on the running ones; 1–3
 * attempts per task; a receipt per proven task. For the store benchmarks (store-paths.ts).
 */
import { createHash } from "node:crypto";
import type { Insertable, Kysely } from "kysely";
import type { Database } from "../src/store/schema.js";

export const KINDS = { checkpoint: "checkpoint", cl: "cl-stf", evm: "evm-ee-stf" } as const;
/** A rare backend: 1% of the trees. */
export const RARE_BACKEND = "zisk";
const BACKENDS: [string, number][] = [
  ["sp1", 0.65],
  ["risc0", 0.3],
  ["mock", 0.04],
  [RARE_BACKEND, 0.01],
];
const DAY = 86_400_000;

type Status = Database["tasks"]["status"];
type NewRow = Insertable<Database["tasks"]>;
type Phase = Database["tasks"]["phase"];

export interface Filled {
  readonly ids: string[];
  readonly checkpointIds: string[];
  readonly now: number;
  readonly owner: string;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function fill(db: Kysely<Database>, total = 100_000, now = Date.now()): Promise<Filled> {
  const random = rng(42);
  const owner = "bench-instance";
  const trees = Math.ceil(total / 9);
  const inProgressFrom = Math.floor(trees * 0.95);
  const span = 30 * DAY;
  const tasks: NewRow[] = [];
  const deps: Insertable<Database["task_deps"]>[] = [];
  const ids: string[] = [];
  const checkpointIds: string[] = [];
  const key = (kind: string, index: number, backend: string) =>
    createHash("sha256").update(`${kind}:${index}:${backend}`).digest("hex");
  const pick = () => {
    let r = random();
    for (const [b, p] of BACKENDS) {
      r -= p;
      if (r < 0) return b;
    }
    return BACKENDS[0]![0];
  };
  const row = (
    kind: string,
    index: number,
    backend: string,
    status: Status,
    phase: Phase,
    at: number,
  ): NewRow & { id: string } => {
    const id = key(kind, index, backend);
    ids.push(id);
    const held = status === "proving" || (status === "publishing" && random() < 0.5);
    return {
      id,
      kind,
      backend,
      context: JSON.stringify({ index, kind }),
      status,
      phase,
      retry_count: status === "transient_failure" ? 1 : 0,
      next_attempt_at: status === "transient_failure" ? now + 60_000 : null,
      error: status === "permanent_failure" || status === "transient_failure" ? "prover said no" : null,
      created_at: at,
      updated_at: at + 60_000,
      priority: at,
      owner: held ? owner : null,
      lease_expires_at: held ? now + 30_000 : null,
      claimed_at: held ? now - 5_000 : null,
      job_id: null,
    };
  };
  for (let g = 0; g < trees && tasks.length < total; g++) {
    const backend = pick();
    const at = now - span + Math.floor((g / trees) * span);
    const progress = g >= inProgressFrom;
    const leafStatus = (): [Status, Phase] => {
      if (!progress) return ["completed", "publish"];
      const r = random();
      if (r < 0.5) return ["completed", "prove"];
      if (r < 0.8) return ["queued", "prove"];
      if (r < 0.88) return ["proving", "prove"];
      if (r < 0.94) return ["transient_failure", "prove"];
      return ["pending", "resolve"];
    };
    const failedTree = !progress && random() < 0.03;
    const cancelledTree = !progress && !failedTree && random() < 0.01;
    const clIds: string[] = [];
    const clStatuses: Status[] = [];
    for (let c = 0; c < 2; c++) {
      const clIndex = g * 2 + c;
      const evIds: string[] = [];
      const evStatuses: Status[] = [];
      for (let e = 0; e < 3; e++) {
        const evIndex = clIndex * 3 + e;
        let [status, phase] = leafStatus();
        if (failedTree && c === 0 && e === 0) [status, phase] = ["permanent_failure", "prove"];
        const t = row(KINDS.evm, evIndex, backend, status, phase, at);
        tasks.push(t);
        evIds.push(t.id);
        evStatuses.push(status);
      }
      let clStatus: Status;
      let clPhase: Phase = "publish";
      if (evStatuses.some((s) => s === "permanent_failure"))
        [clStatus, clPhase] = ["permanent_failure", "resolve"];
      else if (evStatuses.every((s) => s === "completed")) {
        clStatus = progress ? (random() < 0.5 ? "queued" : "completed") : "completed";
        clPhase = clStatus === "queued" ? "prove" : "publish";
      } else [clStatus, clPhase] = ["blocked", "resolve"];
      const cl = row(KINDS.cl, clIndex, backend, clStatus, clPhase, at);
      tasks.push(cl);
      clIds.push(cl.id);
      clStatuses.push(clStatus);
      for (const [position, dep_id] of evIds.entries()) deps.push({ task_id: cl.id, dep_id, position });
    }
    let cpStatus: Status;
    let cpPhase: Phase = "publish";
    if (clStatuses.some((s) => s === "permanent_failure"))
      [cpStatus, cpPhase] = ["permanent_failure", "resolve"];
    else if (cancelledTree) cpStatus = "cancelled";
    else if (clStatuses.every((s) => s === "completed")) {
      cpStatus = progress ? "publishing" : "completed";
    } else [cpStatus, cpPhase] = ["blocked", "resolve"];
    const cp = row(KINDS.checkpoint, g, backend, cpStatus, cpPhase, at);
    tasks.push(cp);
    checkpointIds.push(cp.id);
    for (const [position, dep_id] of clIds.entries()) deps.push({ task_id: cp.id, dep_id, position });
  }

  const BATCH = 500;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < tasks.length; i += BATCH) {
      await trx
        .insertInto("tasks")
        .values(tasks.slice(i, i + BATCH))
        .execute();
    }
    for (let i = 0; i < deps.length; i += BATCH) {
      await trx
        .insertInto("task_deps")
        .values(deps.slice(i, i + BATCH))
        .execute();
    }
  });
  // History and receipts by seq.
  const seqs = await db.selectFrom("tasks").select(["seq", "status", "updated_at"]).orderBy("seq").execute();
  const proof = new Uint8Array(1024).fill(7);
  const small = new Uint8Array(32).fill(1);
  await db.transaction().execute(async (trx) => {
    let attempts: Insertable<Database["task_attempts"]>[] = [];
    let receipts: Insertable<Database["receipts"]>[] = [];
    const flush = async () => {
      if (attempts.length) await trx.insertInto("task_attempts").values(attempts).execute();
      if (receipts.length) await trx.insertInto("receipts").values(receipts).execute();
      attempts = [];
      receipts = [];
    };
    for (const t of seqs) {
      const n =
        t.status === "queued" || t.status === "blocked" || t.status === "pending"
          ? 0
          : 1 + Math.floor(random() * 3);
      for (let a = 1; a <= n; a++) {
        attempts.push({
          task_seq: t.seq,
          attempt: a,
          phase: "prove",
          instance: owner,
          started_at: t.updated_at - 50_000,
          ended_at: t.updated_at - 10_000,
          outcome: a === n && t.status === "completed" ? "proven" : "transient_failure",
          error: null,
        });
      }
      if (t.status === "completed" || t.status === "publishing") {
        receipts.push({
          task_seq: t.seq,
          proof,
          public_values: small,
          zkvm: "sp1",
          program_id: small,
          version: "1",
          proof_type: "compressed",
          created_at: t.updated_at,
        });
      }
      if (attempts.length >= BATCH || receipts.length >= BATCH) await flush();
    }
    await flush();
  });
  return { ids, checkpointIds, now, owner };
}
