import { ByteReader, ByteWriter, compareBytes, fromUtf8, utf8 } from "../bytes.js";
import { ValueCodecError } from "../errors.js";

/**
 * The canonical binary encoding of structured values, used for guest input (`write`/`read`) and
 * public values (`commit`). Every value has exactly one encoding, so equal inputs give equal
 * public values and equal receipts. Tag byte, then:
 *
 * | tag | value | payload |
 * |---|---|---|
 * | 0x00 | null | — |
 * | 0x01 / 0x02 | false / true | — |
 * | 0x03 | safe integer (number) | i64 LE |
 * | 0x04 | bigint | sign u8 (0 or 1), len u32 LE, magnitude big-endian without leading zeros |
 * | 0x05 | string | len u32 LE, UTF-8 |
 * | 0x06 | Uint8Array | len u32 LE, bytes |
 * | 0x07 | array | count u32 LE, items |
 * | 0x08 | plain object | count u32 LE, then (key: len u32 LE + UTF-8, value) by ascending key bytes |
 *
 * Object keys whose value is `undefined` are left out, as in JSON; anything else outside the table
 * (floats, `undefined` elsewhere, Dates, Maps, class instances, cycles) is refused with its path.
 */
export type Value = null | boolean | number | bigint | string | Uint8Array | readonly Value[] | ValueObject;
export interface ValueObject {
  readonly [key: string]: Value;
}

const TAG = {
  null: 0x00,
  false: 0x01,
  true: 0x02,
  integer: 0x03,
  bigint: 0x04,
  string: 0x05,
  bytes: 0x06,
  array: 0x07,
  object: 0x08,
} as const;

/** Deeper nesting is refused: it bounds the recursion of both directions and catches cycles. */
export const MAX_VALUE_DEPTH = 64;
const MAX_U32 = 0xffff_ffff;

export function encodeValue(value: unknown, path = "value"): Uint8Array {
  const writer = new ByteWriter();
  writeValue(writer, value, path);
  return writer.finish();
}

/** Decodes exactly one value that fills `bytes`; non-canonical or trailing bytes are refused. */
export function decodeValue(bytes: Uint8Array): unknown {
  const reader = valueReader(bytes);
  const value = readValue(reader);
  if (reader.remaining > 0) {
    throw new ValueCodecError("VALUE_MALFORMED", `${reader.remaining} trailing bytes after the value`);
  }
  return value;
}

export function valueReader(bytes: Uint8Array): ByteReader {
  return new ByteReader(
    bytes,
    (field, needed, offset, available) =>
      new ValueCodecError(
        "VALUE_MALFORMED",
        `value truncated: the ${field} needs ${needed} bytes at offset ${offset}, only ${available} remain`,
      ),
  );
}

export function writeValue(writer: ByteWriter, value: unknown, path: string, depth = 0): void {
  if (depth > MAX_VALUE_DEPTH)
    throw unsupported(path, `nesting deeper than ${MAX_VALUE_DEPTH} levels (a cycle?)`);
  if (value === null) {
    writer.u8(TAG.null);
  } else if (typeof value === "boolean") {
    writer.u8(value ? TAG.true : TAG.false);
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value))
      throw unsupported(path, `the number ${value} (only safe integers; use a bigint)`);
    writer.u8(TAG.integer).i64(value);
  } else if (typeof value === "bigint") {
    const magnitude = bigintMagnitude(value < 0n ? -value : value);
    writer.u8(TAG.bigint).u8(value < 0n ? 1 : 0);
    writeLengthPrefixed(writer, magnitude, path);
  } else if (typeof value === "string") {
    const bytes = utf8(value);
    if (!bytes) throw unsupported(path, "a string with a lone surrogate");
    writeLengthPrefixed(writer.u8(TAG.string), bytes, path);
  } else if (value instanceof Uint8Array) {
    writeLengthPrefixed(writer.u8(TAG.bytes), value, path);
  } else if (Array.isArray(value)) {
    writer.u8(TAG.array).u32(value.length);
    for (let i = 0; i < value.length; i++) writeValue(writer, value[i], `${path}[${i}]`, depth + 1);
  } else if (isPlainObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => ({ key, keyBytes: utf8(key), value: v }));
    for (const entry of entries) {
      if (!entry.keyBytes) throw unsupported(path, `the key ${JSON.stringify(entry.key)} (a lone surrogate)`);
    }
    entries.sort((a, b) => compareBytes(a.keyBytes!, b.keyBytes!));
    writer.u8(TAG.object).u32(entries.length);
    for (const entry of entries) {
      writeLengthPrefixed(writer, entry.keyBytes!, path);
      writeValue(writer, entry.value, `${path}.${entry.key}`, depth + 1);
    }
  } else {
    throw unsupported(path, describe(value));
  }
}

export function readValue(reader: ByteReader, depth = 0): unknown {
  const at = reader.offset;
  const malformed = (what: string) =>
    new ValueCodecError("VALUE_MALFORMED", `value at offset ${at}: ${what}`);
  if (depth > MAX_VALUE_DEPTH) throw malformed(`nesting deeper than ${MAX_VALUE_DEPTH} levels`);
  const tag = reader.u8("value tag");
  switch (tag) {
    case TAG.null:
      return null;
    case TAG.false:
      return false;
    case TAG.true:
      return true;
    case TAG.integer: {
      const n = reader.i64("integer");
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw malformed(`integer ${n} is outside the safe range (bigints have their own tag)`);
      }
      return Number(n);
    }
    case TAG.bigint: {
      const sign = reader.u8("bigint sign");
      const magnitude = reader.take(reader.u32("bigint length"), "bigint magnitude");
      if (sign > 1) throw malformed(`bigint sign byte ${sign} is neither 0 nor 1`);
      if (magnitude[0] === 0) throw malformed("bigint magnitude has a leading zero byte");
      if (magnitude.length === 0 && sign === 1) throw malformed("bigint zero is marked negative");
      const abs = magnitude.length === 0 ? 0n : BigInt(`0x${Buffer.from(magnitude).toString("hex")}`);
      return sign === 1 ? -abs : abs;
    }
    case TAG.string: {
      const text = fromUtf8(reader.take(reader.u32("string length"), "string"));
      if (text === undefined) throw malformed("string is not valid UTF-8");
      return text;
    }
    case TAG.bytes:
      return reader.take(reader.u32("bytes length"), "bytes");
    case TAG.array: {
      const count = itemCount(reader, "array");
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(readValue(reader, depth + 1));
      return items;
    }
    case TAG.object: {
      const count = itemCount(reader, "object");
      const entries: [string, unknown][] = [];
      let previous: Uint8Array | undefined;
      for (let i = 0; i < count; i++) {
        const keyBytes = reader.take(reader.u32("key length"), "key");
        const key = fromUtf8(keyBytes);
        if (key === undefined) throw malformed(`object key ${i} is not valid UTF-8`);
        if (previous && compareBytes(previous, keyBytes) >= 0) {
          throw malformed(
            `object key ${JSON.stringify(key)} is not after the previous key (unsorted or repeated)`,
          );
        }
        previous = keyBytes;
        entries.push([key, readValue(reader, depth + 1)]);
      }
      // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
      return Object.fromEntries(entries);
    }
    default:
      throw malformed(`unknown tag 0x${tag.toString(16).padStart(2, "0")}`);
  }
}

/** A module-level function, not a closure per call: `writeValue` runs once per item of a witness. */
function unsupported(path: string, what: string): ValueCodecError {
  return new ValueCodecError("VALUE_UNSUPPORTED", `${path}: ${what} cannot be encoded`);
}

function writeLengthPrefixed(writer: ByteWriter, bytes: Uint8Array, path: string): void {
  if (bytes.length > MAX_U32) {
    throw new ValueCodecError(
      "VALUE_UNSUPPORTED",
      `${path}: ${bytes.length} bytes exceed the u32 length field`,
    );
  }
  writer.u32(bytes.length).bytes(bytes);
}

/** Every item takes at least one byte, so a count above the remaining bytes is refused before looping. */
function itemCount(reader: ByteReader, what: string): number {
  const at = reader.offset;
  const count = reader.u32(`${what} count`);
  if (count > reader.remaining) {
    throw new ValueCodecError(
      "VALUE_MALFORMED",
      `value at offset ${at}: ${what} of ${count} items cannot fit in the ${reader.remaining} bytes left`,
    );
  }
  return count;
}

function bigintMagnitude(abs: bigint): Uint8Array {
  if (abs === 0n) return new Uint8Array();
  const hex = abs.toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex"));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object" && value !== null) return `a ${value.constructor?.name ?? "object"} instance`;
  return `a ${typeof value}`;
}
