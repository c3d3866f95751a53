import { createHash } from "node:crypto";
import { InvalidParamsError } from "../errors.js";
import { canonicalContext, type ProofContext } from "./context.js";

/**
 * How a proof is made: `native` executes the guest natively and signs the result; other names
 * (`sp1`, `risc0`, `remote`) are for hosts that produce real zkVM proofs. Chosen per submission.
 */
export type Backend = string;

const BACKEND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function isValidBackend(backend: string): boolean {
  return BACKEND_PATTERN.test(backend);
}

/** A task: what to prove and how. The same (context, backend) is always the same task. */
export interface TaskId {
  readonly context: ProofContext;
  readonly backend: Backend;
}

/** Canonical text of a task: `<backend>/<canonical context>`. */
export function canonicalTaskId(taskId: TaskId): string {
  return canonicalTaskText(taskId.backend, canonicalContext(taskId.context));
}

function canonicalTaskText(backend: Backend, canonical: string): string {
  return `${backend}/${canonical}`;
}

/**
 * The short stable key of a task: the first 16 bytes of SHA-256 over its canonical text, in hex.
 * It is the database key and what the CLI and RPC accept where typing a whole context is a chore.
 */
export function taskKey(taskId: TaskId): string {
  return taskKeyOfCanonical(taskId.backend, canonicalContext(taskId.context));
}

/** `taskKey` of a context already in canonical form (submission has it in hand). */
export function taskKeyOfCanonical(backend: Backend, canonical: string): string {
  return createHash("sha256").update(canonicalTaskText(backend, canonical)).digest("hex").slice(0, 32);
}

const TASK_KEY_PATTERN = /^[0-9a-f]{32}$/;

export function isTaskKey(value: string): boolean {
  return TASK_KEY_PATTERN.test(value);
}

/** Either a TaskId or its key: every handle method that names a task accepts both. */
export type TaskRef = TaskId | string;

export function keyOf(ref: TaskRef): string {
  if (typeof ref === "string") {
    if (!isTaskKey(ref))
      throw new InvalidParamsError(`"${ref.slice(0, 80)}" is not a task key (32 hex digits)`);
    return ref;
  }
  return taskKey(ref);
}
