/**
 * The chain rules in miniature: a sequencer builds two epochs of signed blocks, a verifier
 * re-applies one epoch as the CL STF does, joins the result into the checkpoint's transition, and a
 * tampered block is rejected with the slot and the check that caught it.
 */
// Entry points load the Reflect polyfill before @paas/core, whose plugin registry uses tsyringe.
import "reflect-metadata";
import assert from "node:assert/strict";
import {
  applyBlock,
  applyBlockRange,
  BatchTransitionSsz,
  BlockRejectedError,
  batchInfoForCheckpoint,
  buildGenesis,
  buildNextBlock,
  combineClStfOutputs,
  type EvmBlockCommitment,
  expectedBatchTransition,
  type RollupParams,
  sequencerPublicKey,
  signBlock,
  toHex,
} from "../src/index.js";

const secretKey = new Uint8Array(32).fill(1);
const params: RollupParams = {
  chainId: 1337,
  // The EL chain spec's hash (@paas/evm's chainSpecHash); any 32 bytes for this example.
  elChainSpecHash: new Uint8Array(32).fill(0xcc),
  sequencerPublicKey: sequencerPublicKey(secretKey),
  slotsPerEpoch: 3,
  genesis: {
    timestamp: 1_700_000_000,
    execBlock: { number: 0, hash: new Uint8Array(32).fill(0xaa), stateRoot: new Uint8Array(32).fill(0xbb) },
  },
};

// The sequencer: one L2 block per (here made-up) EL block.
const genesis = buildGenesis(params);
console.log(`genesis block ${toHex(genesis.blockId)}`);
const chainstates = [genesis.chainstate];
const blocks = [];
const execBlocks: EvmBlockCommitment[] = [];
for (let slot = 1; slot <= 6; slot++) {
  const parentHash = execBlocks.at(-1)?.hash ?? params.genesis.execBlock.hash;
  const exec = {
    number: slot,
    hash: new Uint8Array(32).fill(slot),
    parentHash,
    stateRoot: new Uint8Array(32).fill(slot + 100),
  };
  const built = buildNextBlock(chainstates.at(-1)!, exec, params, {
    timestamp: 1_700_000_000 + slot,
    secretKey,
  });
  console.log(`slot ${slot} epoch ${built.block.header.epoch} block ${toHex(built.blockId)}`);
  blocks.push(built.block);
  execBlocks.push(exec);
  chainstates.push(built.chainstate);
}

// The verifier: checkpoint 1 is epoch 1, slots 4..6, proven in two CL STF ranges.
const batch = batchInfoForCheckpoint(1, params);
const first = applyBlockRange(chainstates[3]!, blocks.slice(3, 5), params, execBlocks);
const second = applyBlockRange(first.chainstate, blocks.slice(5, 6), params, execBlocks);
const transition = combineClStfOutputs(batch, [first.output, second.output]);
const expected = expectedBatchTransition(batch, chainstates[3]!, chainstates[6]!, params);
console.log(`checkpoint 1: ${toHex(transition.preStateRoot)} -> ${toHex(transition.postStateRoot)}`);
console.log(`  under rollup params ${toHex(transition.paramsRoot)}`);
console.log(`matches the CL's own view: ${BatchTransitionSsz.equals(transition, expected)}`);
// Each claim is checked too: an example that printed "false" here would otherwise still pass.
assert.ok(BatchTransitionSsz.equals(transition, expected), "the verifier's transition is the CL's");

// Someone re-signs the same blocks with their own key and passes their own params: every block
// check passes and the chainstate roots are the real ones (block ids hash headers, not
// signatures), but the output commits to their params, so the CL's view does not match.
const forgerKey = new Uint8Array(32).fill(2);
const forgerParams = { ...params, sequencerPublicKey: sequencerPublicKey(forgerKey) };
const resigned = blocks
  .slice(3, 6)
  .map((block) => ({ ...block, signature: signBlock(block.header, forgerKey, forgerParams) }));
const forged = combineClStfOutputs(batch, [
  applyBlockRange(chainstates[3]!, resigned, forgerParams, execBlocks).output,
]);
console.log(
  `re-signed under other params: same post-state root ${toHex(forged.postStateRoot) === toHex(expected.postStateRoot)}, ` +
    `params root ${toHex(forged.paramsRoot)}: matches the CL's view: ${BatchTransitionSsz.equals(forged, expected)}`,
);
assert.equal(toHex(forged.postStateRoot), toHex(expected.postStateRoot));
assert.ok(!BatchTransitionSsz.equals(forged, expected), "a transition under other params is not the CL's");

// A block whose EL state root was swapped after signing is caught.
const tampered = structuredClone(blocks[4]!);
tampered.body.execSegment.elStateRoot = new Uint8Array(32).fill(0xff);
try {
  applyBlock(chainstates[4]!, tampered, params, { provenExecBlock: execBlocks[4] });
  throw new Error("a tampered block was accepted");
} catch (error) {
  if (!(error instanceof BlockRejectedError)) throw error;
  console.log(`rejected (${error.check} at slot ${error.slot}): ${error.message}`);
}
