/**
 * How the state lives in a trie database (the layout of `@ethereumjs/statemanager`): trie nodes
 * under `keccak(rlp(node))`, contract code under `0x63 ‖ keccak(code)`. Keys reach the database
 * as unprefixed hex strings. Nodes shorter than 32 bytes are inlined in their parent and never
 * stored on their own.
 */
import { bytesToUnprefixedHex, KECCAK256_RLP } from "@ethereumjs/util";

/** The root of an empty trie: looked up, and legitimately absent, for every empty storage trie. */
export const EMPTY_TRIE_ROOT_KEY = bytesToUnprefixedHex(KECCAK256_RLP);

/** `utf8("c")`, the statemanager's code-hash prefix. */
const CODE_KEY_PREFIX = "63";

export function nodeKey(hash: Uint8Array): string {
  return bytesToUnprefixedHex(hash);
}

export function codeKey(codeHash: Uint8Array): string {
  return CODE_KEY_PREFIX + bytesToUnprefixedHex(codeHash);
}

/** A 33-byte key starting with the code prefix; node keys are 32 bytes. */
export function isCodeKey(key: string): boolean {
  return key.length === 66 && key.startsWith(CODE_KEY_PREFIX);
}

export function isNodeKey(key: string): boolean {
  return key.length === 64;
}

/** The 0x-prefixed hash a key stands for (the code hash, for a code key). */
export function hashOfKey(key: string): `0x${string}` {
  return `0x${isCodeKey(key) ? key.slice(CODE_KEY_PREFIX.length) : key}`;
}
