/**
 * Recursion: an outer program verifies inner receipts inside its guest (`env.readVerified`), so a
 * forged inner receipt fails the outer proof.
 * Run: npx tsx --conditions=@paas/source examples/recursion.ts
 */
import assert from "node:assert/strict";
import { PermanentError } from "@paas/core";
import { NativeHost } from "@paas/zkvm";
import { merkleRoot, merkleRootProgram } from "./programs/merkle-root.js";
import { rootOfRootsProgram } from "./programs/root-of-roots.js";

const host = new NativeHost({ workers: 2, privateKey: "22".repeat(32) });
const signal = new AbortController().signal;
try {
  const batches = [
    ["a", "b"],
    ["c", "d", "e"],
  ].map((batch) => batch.map((leaf) => new TextEncoder().encode(leaf)));
  // Both inner proofs run at once, one per worker.
  const inner = await Promise.all(batches.map((leaves) => host.prove(merkleRootProgram, leaves, { signal })));

  const outer = await host.prove(rootOfRootsProgram, inner, { signal });
  host.verify(outer, rootOfRootsProgram);
  const output = rootOfRootsProgram.readOutput(outer.publicValues);
  assert.deepEqual(output.root, merkleRoot(batches.map((leaves) => merkleRoot(leaves))));
  assert.equal(output.leaves, 5);
  console.log(`outer proof over ${inner.length} inner receipts, ${output.leaves} leaves: verified`);

  const forged = { ...inner[1]!, proof: new Uint8Array(64) };
  await assert.rejects(host.prove(rootOfRootsProgram, [inner[0]!, forged], { signal }), (error: unknown) => {
    assert.ok(error instanceof PermanentError);
    console.log(`forged inner receipt: ${error.message}`);
    return true;
  });
} finally {
  await host.close();
}
