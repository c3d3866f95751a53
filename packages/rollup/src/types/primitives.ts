import { ByteVectorType, UintNumberType } from "@chainsafe/ssz";
import { fromHex, isHex, toHex } from "@paas/core/contracts";
import { z } from "zod";

/**
 * u64 fields are JS numbers: slots, epochs, timestamps and block numbers stay far below 2^53, and
 * their JSON forms reject anything that is not a safe non-negative integer.
 */
export const Uint64 = new UintNumberType(8);
export const Bytes32 = new ByteVectorType(32);
export const Bytes64 = new ByteVectorType(64);

/** A u64 in JSON: a non-negative safe integer. */
export const u64Json = z.int().min(0);

/** Bytes in JSON: `0x`-prefixed hex, of an exact length when given. */
export function hexBytesJson(length?: number) {
  const what = length === undefined ? "0x-prefixed hex bytes" : `0x-prefixed hex of ${length} bytes`;
  return z.codec(
    z.string().refine((text) => isHex(text, length), `expected ${what}`),
    z.custom<Uint8Array>((value) => value instanceof Uint8Array, "expected a Uint8Array"),
    { decode: (text) => fromHex(text), encode: (bytes) => toHex(bytes) },
  );
}

export const bytes32Json = hexBytesJson(32);
export const bytes64Json = hexBytesJson(64);

/** A fresh 32-byte zero value (fresh because Uint8Arrays cannot be frozen). */
export function zeroHash(): Uint8Array {
  return new Uint8Array(32);
}
