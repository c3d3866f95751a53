/** A 0x-prefixed hex string (even length when it encodes bytes). */
export type Hex = `0x${string}`;

/** Quantity encoding of JSON-RPC: minimal hex digits, `0x0` for zero. */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}

/**
 * Bytes as 0x-hex in one flat string. @ethereumjs's `bytesToHex` appends a byte at a time, which
 * leaves V8 rope strings ~30× their flat size: fine for messages, not for hex that is kept (a
 * chain's blocks and witnesses).
 */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
