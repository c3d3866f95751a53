/**
 * Produces blocks of the persistence test's chain on a timer in `process.argv[2]` and tells the
 * parent each slot as it is announced, until the parent kills it.
 */
import { toHex } from "@paas/rollup";
import { programIdOf } from "@paas/zkvm/program";
import { DevChain } from "../../src/index.js";

const chain = await DevChain.create({
  seed: "persistence-test",
  slotsPerEpoch: 2,
  dataDir: process.argv[2]!,
  // The trust does not belong to the chain's identity: any valid key will do here.
  trustedProverKey: "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  checkpointProgramId: programIdOf("commit-bytes", "1"),
});
chain.subscribe((event) => {
  if (event.type === "block") process.send?.({ slot: event.block.slot, blockId: toHex(event.block.blockId) });
});
chain.start(1);
