import type { Kysely } from "kysely";
import type { ProofStore } from "../contracts/proof-store.js";
import type { ProofReceipt } from "../contracts/receipt.js";
import { keyOf, type TaskRef } from "../contracts/task-id.js";
import { PaasError, TaskNotFoundError } from "../errors.js";
import { toReceipt, toReceiptRow } from "./rows.js";
import type { Database } from "./schema.js";

/**
 * Receipts in the task database, so a proof and its task's status commit together. A receipt
 * belongs to a stored task (it is keyed by the task's row): `put` for an unknown task is refused.
 */
export class DatabaseProofStore implements ProofStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async put(task: TaskRef, receipt: ProofReceipt): Promise<void> {
    const id = keyOf(task);
    const row = await this.db.selectFrom("tasks").select("seq").where("id", "=", id).executeTakeFirst();
    if (!row) throw new TaskNotFoundError(id);
    await this.db
      .insertInto("receipts")
      .values(toReceiptRow(row.seq, receipt, this.now()))
      .onConflict((oc) => oc.column("task_seq").doNothing())
      .execute();
    const stored = await this.get(id);
    if (stored && !sameReceipt(stored, receipt)) {
      throw new PaasError(
        "PROOF_CONFLICT",
        `task ${id} already has a different proof; the first one is kept`,
      );
    }
  }

  get(task: TaskRef): Promise<ProofReceipt | undefined> {
    return readReceipt(this.db, keyOf(task));
  }

  async has(task: TaskRef): Promise<boolean> {
    const row = await receiptOfTask(this.db, keyOf(task)).select("receipts.task_seq").executeTakeFirst();
    return row !== undefined;
  }
}

/** The receipt of the task whose key is `id`, if it has one. */
export async function readReceipt(db: Kysely<Database>, id: string): Promise<ProofReceipt | undefined> {
  const row = await receiptOfTask(db, id).selectAll("receipts").executeTakeFirst();
  return row && toReceipt(row);
}

/** Receipts are keyed by their task's `seq` (migration 0006): found by task key through `tasks`. */
function receiptOfTask(db: Kysely<Database>, id: string) {
  return db
    .selectFrom("receipts")
    .innerJoin("tasks", "tasks.seq", "receipts.task_seq")
    .where("tasks.id", "=", id);
}

function sameReceipt(a: ProofReceipt, b: ProofReceipt): boolean {
  const eq = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
  return (
    eq(a.proof, b.proof) &&
    eq(a.publicValues, b.publicValues) &&
    eq(a.metadata.programId, b.metadata.programId) &&
    a.metadata.zkvm === b.metadata.zkvm &&
    a.metadata.version === b.metadata.version &&
    a.metadata.proofType === b.metadata.proofType
  );
}
