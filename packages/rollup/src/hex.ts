/** Byte helpers shared by the JSON forms, the chain rules and the RPC clients. */

export type Hex = `0x${string}`;

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Decodes `0x`-prefixed hex, optionally of an exact byte length; throws a RangeError saying what is wrong. */
export function fromHex(text: string, length?: number): Uint8Array {
  if (!HEX.test(text))
    throw new RangeError(`expected 0x-prefixed hex with an even number of digits, got "${clip(text)}"`);
  // A plain copy of the decoded bytes (a Buffer may be a view into a shared pool).
  const bytes = new Uint8Array(Buffer.from(text.slice(2), "hex"));
  if (length !== undefined && bytes.length !== length) {
    throw new RangeError(`expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function isHex(text: string, length?: number): boolean {
  return HEX.test(text) && (length === undefined || text.length === 2 + 2 * length);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A fresh 32-byte zero value (fresh because Uint8Arrays cannot be frozen). */
export function zeroHash(): Uint8Array {
  return new Uint8Array(32);
}

/** Short hex for messages: the first and last 4 bytes. */
export function shortHex(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return hex.length <= 20 ? hex : `${hex.slice(0, 10)}…${hex.slice(-8)}`;
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}
