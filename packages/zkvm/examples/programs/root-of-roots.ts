/** A recursive program: verifies Merkle-root receipts and commits the root over their roots. */
import type { ProofReceipt } from "@paas/core";
import { defineProgram, PublicValuesReader } from "@paas/zkvm/program";
import { merkleRoot, merkleRootProgram } from "./merkle-root.js";

export const rootOfRootsProgram = defineProgram<
  readonly ProofReceipt[],
  { root: Uint8Array; leaves: number }
>({
  name: "example-root-of-roots",
  version: "1",
  module: import.meta.url,
  writeInput(receipts, writer) {
    writer.write(receipts.length);
    for (const receipt of receipts) writer.writeReceipt(receipt);
  },
  guest(env) {
    const count = env.read<number>();
    const roots: Uint8Array[] = [];
    let leaves = 0;
    for (let i = 0; i < count; i++) {
      // Throws, failing this proof, unless the receipt is a genuine merkle-root proof by this host.
      const inner = merkleRootProgram.readOutput(env.readVerified(merkleRootProgram));
      roots.push(inner.root);
      leaves += inner.leaves;
    }
    env.commitBytes(merkleRoot(roots));
    env.commit(leaves);
  },
  readOutput(publicValues) {
    const reader = new PublicValuesReader(publicValues);
    const root = reader.readBytes(32);
    const leaves = reader.read<number>();
    reader.finish();
    return { root, leaves };
  },
});
