/** A 0x-prefixed hex string (even length when it encodes bytes). */
export type Hex = `0x${string}`;

/** Quantity encoding of JSON-RPC: minimal hex digits, `0x0` for zero. */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}
