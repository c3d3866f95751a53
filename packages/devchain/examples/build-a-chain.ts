/**
 * Builds a real chain in-process, as plugin tests do: two epochs of 3 slots, then re-executes the
 * EL blocks statelessly from their recorded witnesses and re-applies each epoch with the CL STF
 * rules, reaching each checkpoint's transition.
 */
import { executeBlocksStatelessly } from "@paas/evm";
import { applyBlockRange, BatchTransitionSsz, combineClStfOutputs, shortHex } from "@paas/rollup";
import { DevChain } from "../src/index.js";

const started = performance.now();
const chain = await DevChain.create({ seed: "example", slotsPerEpoch: 3 });
// Production returns each EL block as built, with its receipts (the chain keeps only light blocks).
const produced = await chain.produceEpochs(2);
console.log(`built ${chain.latestSlot} slots in ${Math.round(performance.now() - started)} ms`);

for (const { slot, epoch, el, kinds } of produced) {
  const reverted = el.receipts.filter((r) => "status" in r && r.status === 0).length;
  console.log(
    `slot ${slot} (epoch ${epoch}): EL block ${el.block.header.number}, ${el.block.transactions.length} txs ` +
      `(${reverted} reverted), witness ${el.witness.state.length} nodes / ${el.witness.codes.length} codes — ${[...new Set(kinds)].join(", ")}`,
  );
}

// The EVM EE STF's view: every EL block from its witness alone.
const blocks = chain.getElBlocks();
const commitments = await executeBlocksStatelessly({
  common: chain.common,
  blocks: blocks.map((b) => b.rlp),
  witnesses: blocks.map((b) => b.witness),
});
console.log(
  `re-executed ${commitments.length} EL blocks statelessly; head state root ${commitments.at(-1)!.stateRoot}`,
);

// The CL STF's and checkpoint's view: each epoch re-applied against the proven EL blocks.
const proven = commitments.map((c) => chain.getEvmCommitment(c.number));
let chainstate = chain.getChainstate(0);
for (const checkpoint of chain.checkpoints) {
  const { start, end } = checkpoint.info.l2Range;
  const applied = applyBlockRange(chainstate, chain.getBlocksInRange(start, end), chain.params, proven);
  const transition = combineClStfOutputs(checkpoint.info, [applied.output]);
  console.log(
    `checkpoint ${checkpoint.info.index}: slots ${start}..${end}, ${shortHex(transition.preStateRoot)} → ${shortHex(transition.postStateRoot)} under params ${shortHex(transition.paramsRoot)}`,
  );
  if (!BatchTransitionSsz.equals(transition, checkpoint.transition)) {
    throw new Error(`checkpoint ${checkpoint.info.index}: the re-applied transition is not the CL's`);
  }
  chainstate = applied.chainstate;
}
