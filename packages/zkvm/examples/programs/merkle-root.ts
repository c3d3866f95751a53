/**
 * A program: the SHA-256 Merkle root of a list of leaves. Program modules import
 * "@paas/zkvm/program" (never "@paas/zkvm"): proving workers load them.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { defineProgram, PublicValuesReader } from "@paas/zkvm/program";

export interface MerkleOutput {
  readonly root: Uint8Array;
  readonly leaves: number;
}

export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  let level: Uint8Array[] = leaves.map((leaf) => sha256(leaf));
  if (level.length === 0) return new Uint8Array(32);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1] ?? level[i]!; // an odd node is paired with itself
      next.push(sha256(new Uint8Array([...level[i]!, ...right])));
    }
    level = next;
  }
  return level[0]!;
}

export const merkleRootProgram = defineProgram<readonly Uint8Array[], MerkleOutput>({
  name: "example-merkle-root",
  version: "1",
  module: import.meta.url,
  writeInput(leaves, writer) {
    writer.write(leaves.length);
    for (const leaf of leaves) writer.writeBytes(leaf);
  },
  guest(env) {
    const count = env.read<number>();
    const leaves = Array.from({ length: count }, () => env.readBytes());
    env.commitBytes(merkleRoot(leaves)); // raw 32 bytes: byte-exact for any verifier
    env.commit(count);
  },
  readOutput(publicValues) {
    const reader = new PublicValuesReader(publicValues);
    const root = reader.readBytes(32);
    const leaves = reader.read<number>();
    reader.finish();
    return { root, leaves };
  },
});
