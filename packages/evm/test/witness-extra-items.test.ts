import { beforeAll, describe, expect, it } from "vitest";
import { type ExecutionWitness, executeBlocksStatelessly } from "../src/index.js";
import { buildMixedChain, type MixedChain } from "../src/testing/index.js";

/**
 * Items a witness carries beyond what the block reads (a node's own extras, junk, duplicates) must
 * change nothing: every lookup is by the hash of the item's content, so an extra item is never read.
 */
describe("a witness with extra items", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });

  const extras: [string, (witness: ExecutionWitness) => ExecutionWitness][] = [
    ["junk nodes", (w) => ({ ...w, state: [...w.state, "0xdeadbeef", "0xc0"] })],
    ["junk and empty codes", (w) => ({ ...w, codes: [...w.codes, "0xdeadbeef", "0x"] })],
    ["every node twice", (w) => ({ ...w, state: [...w.state, ...w.state] })],
    // RLP of the empty string hashes to the empty-trie root, which every empty storage trie looks up.
    ["the empty string's RLP (0x80) as a node", (w) => ({ ...w, state: ["0x80", ...w.state] })],
  ];
  for (const [what, pad] of extras) {
    it(`proves each block as without them: ${what}`, async () => {
      for (const block of mixed.blocks) {
        const [commitment] = await executeBlocksStatelessly({
          common: mixed.common,
          blocks: [block.rlp],
          witnesses: [pad(block.witness)],
        });
        expect(commitment?.stateRoot, `block ${block.number}`).toBe(block.stateRoot);
      }
    });
  }
});
