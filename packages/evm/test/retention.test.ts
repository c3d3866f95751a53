import { bytesToHex } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import {
  type BuiltBlock,
  createDevnetCommon,
  ExecutionChain,
  executeBlocksStatelessly,
  WitnessPrunedError,
} from "../src/index.js";
import {
  ALICE_KEY,
  buildMixedChain,
  deployCode,
  MIXED_CHAIN_ID,
  mixedGenesisAlloc,
  Sender,
  STORE_BLOCKHASH,
  withHeader,
  word,
} from "../src/testing/index.js";

const common = createDevnetCommon(MIXED_CHAIN_ID);
const TO = "0x00000000000000000000000000000000000000ee";

/**
 * What a chain that runs for hours relies on: light blocks decoded on demand, a window of witnesses,
 * and a state database holding the head state only.
 */
describe("ExecutionChain storage", () => {
  it("serves every block, decoding the ones past its cache from their RLP", async () => {
    const chain = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
    const alice = new Sender(common, ALICE_KEY);
    const built: BuiltBlock[] = [];
    for (let i = 0; i < 40; i++) built.push(await chain.buildBlock([alice.legacyTransfer(TO, 1n)]));
    for (const block of built) {
      const stored = chain.getBlockByNumber(block.number)!;
      const decoded = stored.block;
      expect(bytesToHex(decoded.hash())).toBe(block.hash);
      expect(decoded.transactions).toHaveLength(1);
      expect(stored.headerRlp).toBe(bytesToHex(block.block.header.serialize()));
      expect(stored.stateRoot).toBe(bytesToHex(block.block.header.stateRoot));
      expect(stored.parentHash).toBe(chain.getBlockByNumber(block.number - 1n)!.hash);
      expect(stored.witness).toBe(block.witness);
    }
  });

  it("keeps only the newest witnesses when told to, and every header for BLOCKHASH", async () => {
    const chain = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc(), retainWitnesses: 3 });
    const alice = new Sender(common, ALICE_KEY);
    const blockhash = alice.nextContract();
    await chain.buildBlock([alice.call(undefined, deployCode(STORE_BLOCKHASH).slice(2))]);
    for (let i = 0; i < 5; i++) await chain.buildBlock([]);
    // Block 7 reads the hash of block 1, whose witness is long gone.
    const last = await chain.buildBlock([alice.call(blockhash, word(6n))]);

    expect(last.witness.headers).toEqual([6, 5, 4, 3, 2, 1].map((n) => chain.getBlockByNumber(n)!.headerRlp));
    const [commitment] = await executeBlocksStatelessly({
      common,
      blocks: [last.rlp],
      witnesses: [last.witness],
    });
    expect(commitment?.hash).toBe(last.hash);
    expect(chain.fullWitness().headers).toHaveLength(8);

    for (const n of [1, 2, 3, 4]) {
      const pruned = chain.getBlockByNumber(n)!;
      expect(pruned.witnessPruned).toBe(true);
      expect(() => pruned.witness).toThrow(WitnessPrunedError);
      expect(() => pruned.witness).toThrow(
        `block ${n}: its execution witness was pruned (the chain keeps the witnesses of its last 3 blocks)`,
      );
      expect(pruned.block.header.number).toBe(BigInt(n));
    }
    for (const n of [5, 6, 7]) expect(chain.getBlockByNumber(n)!.witnessPruned).toBe(false);
    expect(chain.getBlockByNumber(7)!.witness).toBe(last.witness);
  });

  it("holds the head state only: every stored node and code is reachable from the head's root", async () => {
    const { chain, blocks, store } = await buildMixedChain();
    const alice = new Sender(common, ALICE_KEY);
    alice.nonce = BigInt(
      blocks.flatMap((b) => b.block.transactions).filter((tx) => tx.getSenderAddress().equals(alice.address))
        .length,
    );
    const headOnly = () => {
      const { state, codes } = chain.fullWitness(); // fails on any node the head needs and lacks
      expect(chain.stateEntries).toBe(state.length + codes.length);
    };
    headOnly();
    for (let i = 1n; i <= 6n; i++) {
      // Writes, overwrites and clears: storage trie nodes replaced, collapsed and shared.
      await chain.buildBlock([
        alice.call(store, word(i) + word(i * 7n)),
        alice.call(store, word(i - 1n) + word(0n)),
        alice.call(store, word(100n) + word(i % 2n)),
        alice.legacyTransfer(TO, 1n),
      ]);
      headOnly();
    }
  });

  it("drops what a block that failed its header check wrote", async () => {
    const producer = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
    const follower = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
    const built = await producer.buildBlock([new Sender(common, ALICE_KEY).legacyTransfer(TO, 1n)]);
    const wrong = withHeader(built.block, { stateRoot: new Uint8Array(32).fill(9) });
    await expect(follower.importBlock(wrong)).rejects.toMatchObject({ code: "STATE_ROOT_MISMATCH" });
    const { state, codes } = follower.fullWitness();
    expect(follower.stateEntries).toBe(state.length + codes.length);
    expect((await follower.importBlock(built.rlp)).hash).toBe(built.hash);
  });

  it("refuses a retention that is not a positive integer", async () => {
    for (const retainWitnesses of [0, -1, 1.5, Number.NaN]) {
      await expect(
        ExecutionChain.create({ common, alloc: mixedGenesisAlloc(), retainWitnesses }),
      ).rejects.toThrow(RangeError);
    }
  });
});
