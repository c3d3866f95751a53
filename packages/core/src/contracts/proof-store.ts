import type { ProofReceipt } from "./receipt.js";
import type { TaskRef } from "./task-id.js";

/** Receipts by task. `put` is idempotent: storing the same receipt again is a no-op. */
export interface ProofStore {
  put(task: TaskRef, receipt: ProofReceipt): Promise<void>;
  get(task: TaskRef): Promise<ProofReceipt | undefined>;
  has(task: TaskRef): Promise<boolean>;
}
