import type { Hex } from "../hex.js";

/** Init code that returns `runtime` as the contract's code (runtimes of up to 255 bytes). */
export function deployCode(runtime: Hex): Hex {
  const length = (runtime.length - 2) / 2;
  if (length > 0xff) throw new Error("runtime too long for this init code");
  const size = length.toString(16).padStart(2, "0");
  // PUSH1 size PUSH1 12 PUSH1 0 CODECOPY PUSH1 size PUSH1 0 RETURN, then the runtime.
  return `0x60${size}600c60003960${size}6000f3${runtime.slice(2)}`;
}

/**
 * Calldata `slot ‖ value` (64 bytes): stores value at slot (zero clears it) and logs value with
 * topic slot. Shorter calldata: stores zero at the slot, then reverts.
 */
export const STORE_AND_LOG: Hex = "0x6020356000355560403610601d5760203560005260003560206000a1005b60006000fd";

/** Calldata `k` (32 bytes): stores BLOCKHASH(NUMBER - k) at slot k. */
export const STORE_BLOCKHASH: Hex = "0x6000354303406000355500";

/** A 32-byte word as 64 hex digits (no 0x), for calldata. */
export function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}
