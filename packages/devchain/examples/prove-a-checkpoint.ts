/**
 * The CL's acceptance of checkpoint proofs: a native prover host proves a program whose public
 * values are the checkpoint's `BatchTransition` (SSZ); the chain accepts it once, acknowledges a
 * second valid proof as already proven, and rejects a forged one and one made under other rollup
 * params (another sequencer key) with a reason.
 */
import assert from "node:assert/strict";
import { BatchTransitionSsz, rollupParamsRoot, sequencerPublicKey } from "@paas/rollup";
import { encodeReceipt, NativeHost } from "@paas/zkvm";
import { commitBytesProgram, createDevChain } from "../src/index.js";

const host = new NativeHost({ workers: 1, privateKey: new Uint8Array(32).fill(1) });
try {
  const chain = await createDevChain({
    seed: "example",
    slotsPerEpoch: 2,
    epochs: 1,
    trustedProverKey: host.publicKey,
    checkpointProgramId: commitBytesProgram.programId,
  });
  const checkpoint = chain.getCheckpoint(0);
  const receipt = encodeReceipt(
    await host.prove(commitBytesProgram, BatchTransitionSsz.serialize(checkpoint.transition)),
  );
  // Each answer is printed and checked: an example that printed a wrong outcome would still pass.
  const submitted = chain.submitCheckpointProof(0, receipt);
  console.log("submit:", submitted);
  assert.equal(submitted.outcome, "accepted");
  const { status } = chain.getCheckpointStatus(0);
  console.log("status:", status);
  assert.equal(status, "proven");
  const again = chain.submitCheckpointProof(0, receipt);
  console.log("submit again:", again);
  assert.equal(again.outcome, "already-proven");
  const forged = receipt.slice();
  forged[10]! ^= 1;
  const forgedResult = chain.submitCheckpointProof(0, forged);
  console.log("forged:", forgedResult);
  assert.equal(forgedResult.outcome, "rejected");
  // The same state roots, proven under params naming another sequencer key.
  const otherParams = { ...chain.params, sequencerPublicKey: sequencerPublicKey(new Uint8Array(32).fill(2)) };
  const underOtherParams = { ...checkpoint.transition, paramsRoot: rollupParamsRoot(otherParams) };
  const otherReceipt = encodeReceipt(
    await host.prove(commitBytesProgram, BatchTransitionSsz.serialize(underOtherParams)),
  );
  const otherResult = chain.submitCheckpointProof(0, otherReceipt);
  console.log("under other params:", otherResult);
  assert.equal(otherResult.outcome, "rejected");
  assert.match(otherResult.reason, /params root/);
} finally {
  await host.close();
}
