import { EvmError } from "../errors.js";
import type { Hex } from "../hex.js";
import { DEFAULT_WITNESS_LIMITS, type ExecutionWitness, type WitnessLimits } from "./types.js";

const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;

interface FieldRule {
  readonly field: keyof ExecutionWitness;
  readonly maxItems: (limits: WitnessLimits) => number;
  readonly maxBytes: (limits: WitnessLimits) => number;
  readonly allowEmpty: boolean;
}

const FIELDS: readonly FieldRule[] = [
  { field: "state", maxItems: (l) => l.maxStateNodes, maxBytes: (l) => l.maxNodeBytes, allowEmpty: false },
  { field: "codes", maxItems: (l) => l.maxCodes, maxBytes: (l) => l.maxCodeBytes, allowEmpty: true },
  { field: "keys", maxItems: (l) => l.maxKeys, maxBytes: (l) => l.maxKeyBytes, allowEmpty: true },
  { field: "headers", maxItems: (l) => l.maxHeaders, maxBytes: (l) => l.maxHeaderBytes, allowEmpty: false },
];

/** A witness whose items are already bytes (e.g. decoded by a JSON-RPC client). */
export interface BinaryWitness {
  readonly state: readonly Uint8Array[];
  readonly codes: readonly Uint8Array[];
  readonly keys: readonly Uint8Array[];
  readonly headers: readonly Uint8Array[];
}

/**
 * The same counts and sizes as `parseExecutionWitness`, for a witness already in bytes: no
 * re-encoding to hex just to measure it.
 */
export function checkWitnessLimits(
  witness: BinaryWitness,
  options: { limits?: Partial<WitnessLimits>; label?: string } = {},
): void {
  const limits = { ...DEFAULT_WITNESS_LIMITS, ...options.limits };
  const where = options.label === undefined ? "witness" : `${options.label}: witness`;
  const fail = (detail: string) => new EvmError("INVALID_WITNESS", `${where}${detail}`);
  let totalBytes = 0;
  for (const rule of FIELDS) {
    const items = witness[rule.field];
    if (items.length > rule.maxItems(limits)) {
      throw fail(`.${rule.field} has ${items.length} items, more than the limit of ${rule.maxItems(limits)}`);
    }
    for (const [index, item] of items.entries()) {
      if (item.length === 0 && !rule.allowEmpty) throw fail(`.${rule.field}[${index}] is empty`);
      if (item.length > rule.maxBytes(limits)) {
        throw fail(
          `.${rule.field}[${index}] has ${item.length} bytes, more than the limit of ${rule.maxBytes(limits)}`,
        );
      }
      totalBytes += item.length;
    }
    if (totalBytes > limits.maxTotalBytes) throw fail(` exceeds ${limits.maxTotalBytes} bytes in total`);
  }
}

/**
 * Checks an untrusted value (parsed JSON) against the `ExecutionWitness` shape: an object with
 * the four lists, each item a 0x-prefixed even-length hex string, counts and sizes within
 * `limits`. Returns a fresh witness holding only those four fields. `label` (e.g. "block 12")
 * prefixes error messages.
 */
export function parseExecutionWitness(
  value: unknown,
  options: { limits?: Partial<WitnessLimits>; label?: string } = {},
): ExecutionWitness {
  const limits = { ...DEFAULT_WITNESS_LIMITS, ...options.limits };
  const where = options.label === undefined ? "witness" : `${options.label}: witness`;
  const fail = (detail: string) => new EvmError("INVALID_WITNESS", `${where}${detail}`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(" is not an object");
  }
  const record = value as Record<string, unknown>;
  let totalBytes = 0;
  const parsed: Partial<Record<keyof ExecutionWitness, Hex[]>> = {};
  for (const rule of FIELDS) {
    const items = record[rule.field];
    if (!Array.isArray(items)) throw fail(`.${rule.field} is not an array`);
    if (items.length > rule.maxItems(limits)) {
      throw fail(`.${rule.field} has ${items.length} items, more than the limit of ${rule.maxItems(limits)}`);
    }
    for (const [index, item] of items.entries()) {
      if (typeof item !== "string" || !HEX_BYTES.test(item)) {
        throw fail(`.${rule.field}[${index}] is not a 0x-prefixed hex string of whole bytes`);
      }
      const bytes = (item.length - 2) / 2;
      if (bytes === 0 && !rule.allowEmpty) throw fail(`.${rule.field}[${index}] is empty`);
      if (bytes > rule.maxBytes(limits)) {
        throw fail(
          `.${rule.field}[${index}] has ${bytes} bytes, more than the limit of ${rule.maxBytes(limits)}`,
        );
      }
      totalBytes += bytes;
    }
    if (totalBytes > limits.maxTotalBytes) {
      throw fail(` exceeds ${limits.maxTotalBytes} bytes in total`);
    }
    parsed[rule.field] = items as Hex[];
  }
  return {
    state: parsed.state ?? [],
    codes: parsed.codes ?? [],
    keys: parsed.keys ?? [],
    headers: parsed.headers ?? [],
  };
}
