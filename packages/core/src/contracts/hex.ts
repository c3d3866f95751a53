/**
 * The one home of hex and byte helpers: the rollup's JSON forms and chain rules, the zkVM's
 * receipts and keys, and the plugins all use these. In `@paas/core/contracts` because every package
 * that needs them depends on core already, and proving workers may load it.
 */

export type Hex = `0x${string}`;

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
const HEX_DIGITS = /^(?:[0-9a-fA-F]{2})*$/;

/** `0x`-prefixed lower-case hex, as one flat string. */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${toHexDigits(bytes)}`;
}

/** Lower-case hex without a prefix (key files, program ids in messages). */
export function toHexDigits(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Decodes `0x`-prefixed hex, optionally of an exact byte length; throws a RangeError saying what is wrong. */
export function fromHex(text: string, length?: number): Uint8Array {
  if (!HEX.test(text))
    throw new RangeError(`expected 0x-prefixed hex with an even number of digits, got "${clip(text)}"`);
  const bytes = decode(text.slice(2));
  if (length !== undefined && bytes.length !== length) {
    throw new RangeError(`expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** Hex with or without a `0x` prefix; `undefined` when it is not an even run of hex digits. */
export function parseHex(text: string): Uint8Array | undefined {
  const digits = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  return HEX_DIGITS.test(digits) ? decode(digits) : undefined;
}

export function isHex(text: string, length?: number): boolean {
  return HEX.test(text) && (length === undefined || text.length === 2 + 2 * length);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Short hex for messages: the first and last 4 bytes. */
export function shortHex(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return hex.length <= 20 ? hex : `${hex.slice(0, 10)}…${hex.slice(-8)}`;
}

/** A plain Uint8Array of its own: a Buffer may be a view into a shared pool, and compares unequal to one. */
function decode(digits: string): Uint8Array {
  return new Uint8Array(Buffer.from(digits, "hex"));
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}
