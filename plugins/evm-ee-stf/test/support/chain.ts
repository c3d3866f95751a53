import { type BuiltBlock, ExecutionChain } from "@paas/evm";
import { BOB_KEY, type MixedChain, mixedGenesisAlloc, Sender } from "@paas/evm/testing";

/** A chain's rules, the chain and its blocks 1.. in order. */
export type Fork = Pick<MixedChain, "common" | "chain" | "blocks">;

/**
 * A fork of `base` (a mixed chain) after block `from`: the same blocks 1..from, then `length`
 * blocks of one transfer each, so the block numbers after `from` have other hashes than on `base`.
 */
export async function buildFork(base: MixedChain, from: number, length: number): Promise<Fork> {
  const { common } = base;
  const chain = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
  const bob = new Sender(common, BOB_KEY);
  const blocks: BuiltBlock[] = [];
  for (const block of base.blocks.slice(0, from)) {
    blocks.push(await chain.importBlock(block.rlp));
    for (const tx of block.block.transactions) {
      if (tx.getSenderAddress().equals(bob.address)) bob.nonce++;
    }
  }
  for (let i = 0; i < length; i++) {
    const to = "0x00000000000000000000000000000000000000f0";
    blocks.push(await chain.buildBlock([bob.legacyTransfer(to, 1n + BigInt(i))]));
  }
  return { common, chain, blocks };
}
