/**
 * Prove a program on the native host, verify the receipt, read its output, and see tampering fail.
 * Run: npx tsx --conditions=@paas/source examples/prove-and-verify.ts
 */
import assert from "node:assert/strict";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  NativeHost,
  ReceiptVerificationError,
  receiptFromHex,
  receiptToHex,
  receiptToJson,
  verifyReceipt,
} from "@paas/zkvm";
import { merkleRoot, merkleRootProgram } from "./programs/merkle-root.js";

const host = new NativeHost({ workers: 2, privateKey: "11".repeat(32) });
try {
  const leaves = ["alice", "bob", "carol"].map((name) => new TextEncoder().encode(name));
  const { receipt, summary } = await host.proveWithSummary(merkleRootProgram, leaves);
  console.log(
    `proved ${summary.program} in ${summary.wallMs.toFixed(1)} ms (guest ${summary.guestMs.toFixed(2)} ms)`,
  );

  // Anyone with the host's public key can check the receipt: no host needed.
  verifyReceipt(receipt, { ...merkleRootProgram, publicKey: host.publicKeyHex });
  const output = merkleRootProgram.readOutput(receipt.publicValues);
  assert.deepEqual(output.root, merkleRoot(leaves));
  console.log(`root 0x${bytesToHex(output.root)} over ${output.leaves} leaves`);

  // The RPC forms: JSON with hex fields, or the zkaleido binary layout as hex.
  console.log(JSON.stringify(receiptToJson(receipt), null, 2));
  const hex = receiptToHex(receipt);
  assert.deepEqual(receiptFromHex(hex), receipt);
  console.log(`binary receipt: ${(hex.length - 2) / 2} bytes`);

  // Changing one byte of the public values breaks the signature.
  const tampered = { ...receipt, publicValues: receipt.publicValues.map((b, i) => (i === 0 ? b ^ 1 : b)) };
  assert.throws(() => host.verify(tampered, merkleRootProgram), ReceiptVerificationError);
  console.log("tampered receipt rejected");
} finally {
  await host.close();
}
