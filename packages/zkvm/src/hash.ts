import { sha256 } from "@noble/hashes/sha2.js";

const tagPrefixes = new Map<string, Uint8Array>();

/**
 * BIP340 tagged hash: SHA-256(SHA-256(tag) || SHA-256(tag) || parts...). The tag separates the
 * domains (program ids, receipt messages), so a digest of one can never be replayed as the other.
 * The parts are streamed, so large public values are not copied into one buffer first.
 */
export function taggedHash(tag: string, ...parts: readonly Uint8Array[]): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (!prefix) {
    const tagHash = sha256(new TextEncoder().encode(tag));
    prefix = new Uint8Array([...tagHash, ...tagHash]);
    tagPrefixes.set(tag, prefix);
  }
  const hash = sha256.create().update(prefix);
  for (const part of parts) hash.update(part);
  return hash.digest();
}
