import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createDevnetCommon,
  decodeBlock,
  EvmError,
  ExecutionChain,
  systemContractsAlloc,
} from "../src/index.js";
import {
  buildMixedChain,
  MIXED_CHAIN_ID,
  type MixedChain,
  mixedGenesisAlloc,
  withHeader,
} from "../src/testing/index.js";

const common = createDevnetCommon(MIXED_CHAIN_ID);
const key = hexToBytes(`0x${"44".repeat(32)}`);
const alloc = {
  ...systemContractsAlloc(),
  [createAddressFromPrivateKey(key).toString()]: { balance: 10n ** 20n },
};
const transfer = (nonce: bigint) =>
  createFeeMarket1559Tx(
    {
      nonce,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21_000n,
      to: "0x00000000000000000000000000000000000000dd",
      value: 1n,
    },
    { common },
  ).sign(key);

describe("ExecutionChain", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });

  it("serves its blocks by number and by hash", () => {
    const { chain, blocks } = mixed;
    expect(chain.latestNumber).toBe(5n);
    expect(chain.getBlockByNumber(0)?.block.header.number).toBe(0n);
    for (const block of blocks) {
      // What buildBlock returned is a snapshot; the chain serves its own light copy of the block.
      const stored = chain.getBlockByNumber(block.block.header.number);
      expect(stored).toMatchObject({ number: block.number, hash: block.hash, rlp: block.rlp });
      expect(stored?.witness).toBe(block.witness);
      expect(chain.getBlockByHash(block.hash)).toBe(stored);
      expect(chain.getBlockByHash(block.hash.toUpperCase().replace("0X", "0x") as `0x${string}`)).toBe(
        stored,
      );
      expect(chain.getBlockByHash(block.block.hash())).toBe(stored);
      expect(bytesToHex(decodeBlock(block.rlp, common, "test").hash())).toBe(block.hash);
      expect(block.receipts).toHaveLength(block.block.transactions.length);
    }
    expect(chain.getBlockByNumber(6)).toBeUndefined();
  });

  it("records only nodes and codes of the parent state, and headers parent first", async () => {
    const replay = await ExecutionChain.create({ common, alloc: mixedGenesisAlloc() });
    for (const block of mixed.blocks) {
      const parentState = replay.fullWitness();
      const recorded = (await replay.importBlock(block.rlp)).witness;
      expect(recorded).toEqual(block.witness);
      expect(new Set(parentState.state)).toEqual(new Set([...parentState.state, ...recorded.state]));
      expect(new Set(parentState.codes)).toEqual(new Set([...parentState.codes, ...recorded.codes]));
    }
    const [first, , third, fourth] = mixed.blocks;
    expect(fourth!.witness.headers).toEqual(
      [third!, mixed.blocks[1]!, first!].map((b) => bytesToHex(b.block.header.serialize())),
    );
  });

  it("keeps its state when a block fails, and goes on from the same state", async () => {
    const chain = await ExecutionChain.create({ common, alloc });
    await expect(chain.buildBlock([transfer(1n)])).rejects.toMatchObject({ code: "INVALID_BLOCK" });
    expect(chain.latestNumber).toBe(0n);
    const good = await chain.buildBlock([transfer(0n)]);
    const fresh = await ExecutionChain.create({ common, alloc });
    expect((await fresh.buildBlock([transfer(0n)])).hash).toBe(good.hash);
  });

  it("imports a block built elsewhere, recording the same witness", async () => {
    const producer = await ExecutionChain.create({ common, alloc });
    const follower = await ExecutionChain.create({ common, alloc });
    const built = await producer.buildBlock([transfer(0n), transfer(1n)]);
    const imported = await follower.importBlock(built.rlp);
    expect(imported.hash).toBe(built.hash);
    expect(imported.witness).toEqual(built.witness);
  });

  it("refuses to import a block whose header does not match, and keeps its state", async () => {
    const producer = await ExecutionChain.create({ common, alloc });
    const follower = await ExecutionChain.create({ common, alloc });
    const built = await producer.buildBlock([transfer(0n)]);
    const wrong = withHeader(built.block, { stateRoot: new Uint8Array(32).fill(9) });
    await expect(follower.importBlock(wrong)).rejects.toMatchObject({ code: "STATE_ROOT_MISMATCH" });
    expect((await follower.importBlock(built.block)).hash).toBe(built.hash);
  });

  it("refuses a genesis header whose state root is not the allocation's", async () => {
    const other = await ExecutionChain.create({ common, alloc: {} });
    await expect(
      ExecutionChain.create({ common, alloc, genesisHeader: other.head.block.header }),
    ).rejects.toThrow(EvmError);
  });
});
