import type { Kysely } from "kysely";
import type { ProofStore } from "../contracts/proof-store.js";
import type { ProofReceipt } from "../contracts/receipt.js";
import { keyOf, type TaskRef } from "../contracts/task-id.js";
import { PaasError } from "../errors.js";
import { toReceipt, toReceiptRow } from "./rows.js";
import type { Database } from "./schema.js";

/** Receipts in the task database, so a proof and its task's status commit together. */
export class DatabaseProofStore implements ProofStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async put(task: TaskRef, receipt: ProofReceipt): Promise<void> {
    const id = keyOf(task);
    await this.db
      .insertInto("receipts")
      .values(toReceiptRow(id, receipt, this.now()))
      .onConflict((oc) => oc.column("task_id").doNothing())
      .execute();
    const stored = await this.get(id);
    if (stored && !sameReceipt(stored, receipt)) {
      throw new PaasError(
        "PROOF_CONFLICT",
        `task ${id} already has a different proof; the first one is kept`,
      );
    }
  }

  async get(task: TaskRef): Promise<ProofReceipt | undefined> {
    const row = await this.db
      .selectFrom("receipts")
      .selectAll()
      .where("task_id", "=", keyOf(task))
      .executeTakeFirst();
    return row && toReceipt(row);
  }

  async has(task: TaskRef): Promise<boolean> {
    const row = await this.db
      .selectFrom("receipts")
      .select("task_id")
      .where("task_id", "=", keyOf(task))
      .executeTakeFirst();
    return row !== undefined;
  }
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
