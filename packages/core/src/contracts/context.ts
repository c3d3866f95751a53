import { InvalidContextError } from "../errors.js";

/** A JSON value restricted to what has exactly one canonical text: no floats, no undefined in arrays. */
export type ContextValue = string | number | boolean | null | readonly ContextValue[] | ContextObject;
export interface ContextObject {
  readonly [key: string]: ContextValue | undefined;
}

/**
 * What to prove, as plain data. `kind` is the routing key: it selects the plugin. Everything else
 * is the plugin's business, e.g. `{ kind: "checkpoint", index: 42 }`.
 */
export interface ProofContext extends ContextObject {
  readonly kind: string;
}

const KIND_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function isValidKind(kind: string): boolean {
  return KIND_PATTERN.test(kind) && kind.length <= 64;
}

/**
 * The one canonical string form of a context: JSON with object keys sorted by code unit, no
 * whitespace, integers only. Two contexts that mean the same thing give the same string, so a
 * task's identity survives restarts and round trips through RPC.
 */
export function canonicalContext(context: ProofContext): string {
  if (typeof context !== "object" || context === null || typeof context.kind !== "string") {
    throw new InvalidContextError("a proof context must be an object with a string `kind`");
  }
  return canonicalJson(context, "context", 0);
}

/** Parses a canonical context string back into a context, checking it really is canonical. */
export function parseCanonicalContext(text: string): ProofContext {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidContextError(`not a JSON context: ${text.slice(0, 80)}`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("kind" in value)) {
    throw new InvalidContextError("a proof context must be an object with a string `kind`");
  }
  const context = value as ProofContext;
  if (canonicalContext(context) !== text) {
    throw new InvalidContextError(`context text is not in canonical form: ${text.slice(0, 80)}`);
  }
  return context;
}

/**
 * A context as the store holds it, for reads (task records, transitions): only parsed. The store
 * wrote it in canonical form at submit, and the scheduler checks the form again
 * (`parseCanonicalContext`) before it proves anything from it; re-canonicalising on every status
 * read cost more than the read itself.
 */
export function storedContext(text: string): ProofContext {
  return JSON.parse(text) as ProofContext;
}

/**
 * How deeply a context may nest. Contexts name what to prove (a block, an epoch) and are nearly
 * flat; the bound keeps a hostile one from exhausting the stack of whoever canonicalises it.
 */
export const MAX_CONTEXT_DEPTH = 32;

function canonicalJson(value: unknown, path: string, depth: number): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new InvalidContextError(`${path} must be a safe integer, got ${value}`);
      }
      return String(value);
    case "object": {
      if (depth >= MAX_CONTEXT_DEPTH) {
        throw new InvalidContextError(`${path} nests deeper than ${MAX_CONTEXT_DEPTH} levels`);
      }
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`, depth + 1)).join(",")}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidContextError(
          `${path} must be plain data, got ${proto?.constructor?.name ?? "object"}`,
        );
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`, depth + 1)}`).join(",")}}`;
    }
    default:
      throw new InvalidContextError(`${path} has unsupported type ${typeof value}`);
  }
}
