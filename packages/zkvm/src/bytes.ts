/**
 * Byte-level helpers shared by the receipt, value and input codecs. Hex and byte equality are
 * core's (`@paas/core/contracts`), like every package's.
 */

/** Lexicographic byte order: the order of object keys in the canonical value encoding. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const utf8Encoder = new TextEncoder();
// With the `u` flag a surrogate pair is one code point, so only unpaired surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;
// fatal: invalid UTF-8 is an error, never silently replaced; ignoreBOM: a leading BOM is kept as data.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 of a string; `undefined` when it holds a lone surrogate, which has no UTF-8 form. */
export function utf8(text: string): Uint8Array | undefined {
  return LONE_SURROGATE.test(text) ? undefined : utf8Encoder.encode(text);
}

/** Strict UTF-8 decoding; `undefined` when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #buffer = new Uint8Array(64);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#view.setUint8(this.#length, value);
    this.#length += 1;
    return this;
  }

  u32(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
    return this;
  }

  u64(value: number | bigint): this {
    this.#reserve(8);
    this.#view.setBigUint64(this.#length, BigInt(value), true);
    this.#length += 8;
    return this;
  }

  i64(value: number): this {
    this.#reserve(8);
    this.#view.setBigInt64(this.#length, BigInt(value), true);
    this.#length += 8;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  /**
   * The bytes written so far, without a copy: a view of this writer's buffer, for a caller that
   * writes no more through it.
   */
  written(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** The bytes written so far, in a buffer of their own (safe to transfer to another thread). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.#buffer.slice(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/**
 * A bounds-checked little-endian reader. Each codec supplies `truncated`, so running out of bytes
 * raises that codec's own error with the field that was being read.
 */
export class ByteReader {
  offset = 0;
  readonly #view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly truncated: (field: string, needed: number, offset: number, available: number) => Error,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    this.#need(1, field);
    const value = this.#view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u32(field: string): number {
    this.#need(4, field);
    const value = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(field: string): bigint {
    this.#need(8, field);
    const value = this.#view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }

  i64(field: string): bigint {
    this.#need(8, field);
    const value = this.#view.getBigInt64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** A copy of the next `length` bytes, so decoded values never alias the caller's buffer. */
  take(length: number, field: string): Uint8Array {
    this.#need(length, field);
    const value = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  #need(length: number, field: string): void {
    if (this.remaining < length) throw this.truncated(field, length, this.offset, this.remaining);
  }
}
