import type { Hex } from "../hex.js";

/**
 * The pre-state of one block, in the shape `debug_executionWitness` returns on reth and geth.
 * Every field is a list of 0x-prefixed hex strings:
 * - `state`: RLP-encoded trie nodes (account trie and storage tries) the block reads;
 * - `codes`: contract bytecodes the block reads;
 * - `keys`: preimages of the trie keys touched (addresses, storage slots); informative, execution
 *   does not need them;
 * - `headers`: RLP-encoded ancestor headers: at least the parent, plus every ancestor BLOCKHASH
 *   reaches, in any order (this package writes them parent first, then older).
 */
export interface ExecutionWitness {
  readonly state: readonly Hex[];
  readonly codes: readonly Hex[];
  readonly keys: readonly Hex[];
  readonly headers: readonly Hex[];
}

/** Caps applied to untrusted witnesses before anything is decoded. */
export interface WitnessLimits {
  readonly maxStateNodes: number;
  readonly maxCodes: number;
  readonly maxKeys: number;
  readonly maxHeaders: number;
  /** Bytes of one trie node; a real one is at most 532 (a full branch). */
  readonly maxNodeBytes: number;
  readonly maxCodeBytes: number;
  readonly maxKeyBytes: number;
  readonly maxHeaderBytes: number;
  /** Bytes of the whole witness, all fields together. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_WITNESS_LIMITS: WitnessLimits = {
  maxStateNodes: 1_000_000,
  maxCodes: 100_000,
  maxKeys: 1_000_000,
  maxHeaders: 8_192,
  maxNodeBytes: 4_096,
  maxCodeBytes: 65_536,
  maxKeyBytes: 32,
  maxHeaderBytes: 4_096,
  maxTotalBytes: 256 * 1024 * 1024,
};
