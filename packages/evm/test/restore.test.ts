/**
 * `ExecutionChain.restore`: a chain taken back from its stored blocks and the state its
 * `stateStore` held goes on exactly as the original, without executing the stored blocks.
 */
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import {
  type ChainBlock,
  createDevnetCommon,
  EvmError,
  ExecutionChain,
  type StoredBlockRecord,
  systemContractsAlloc,
} from "../src/index.js";

const common = createDevnetCommon(1337);
const key = hexToBytes(`0x${"45".repeat(32)}`);
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
      to: `0x${"dd".repeat(20)}`,
      value: 1n,
    },
    { common },
  ).sign(key);

function record(block: ChainBlock): StoredBlockRecord {
  const { number, hash, parentHash, stateRoot, rlp, headerRlp } = block;
  const witness = block.witnessPruned
    ? undefined
    : { ...block.witness, headerCount: block.witness.headers.length };
  return { number, hash, parentHash, stateRoot, rlp, headerRlp, ...(witness && { witness }) };
}

async function chainOf(blocks: number, stateStore: Map<string, Uint8Array>) {
  const chain = await ExecutionChain.create({ common, alloc, retainWitnesses: 2, stateStore });
  for (let n = 0n; n < BigInt(blocks); n++) await chain.buildBlock([transfer(n)]);
  return chain;
}

describe("ExecutionChain.restore", () => {
  it("continues with the blocks the original would have built, serving the kept witnesses", async () => {
    const store = new Map<string, Uint8Array>();
    const original = await chainOf(4, store);
    const records = [0, 1, 2, 3, 4].map((n) => record(original.getBlockByNumber(n)!));
    const restored = await ExecutionChain.restore({
      common,
      retainWitnesses: 2,
      stateStore: new Map(store),
      blocks: records,
    });
    expect(restored.head.hash).toBe(original.head.hash);
    expect(restored.getBlockByNumber(4)!.witness).toEqual(original.getBlockByNumber(4)!.witness);
    expect(restored.getBlockByNumber(1)!.witnessPruned).toBe(true);
    const [next, same] = [
      await original.buildBlock([transfer(4n)]),
      await restored.buildBlock([transfer(4n)]),
    ];
    expect(same.hash).toBe(next.hash);
    expect(same.witness).toEqual(next.witness);
    expect(restored.stateEntries).toBe(original.stateEntries);
  });

  it("refuses blocks that do not link up, and a state without the head's root", async () => {
    const store = new Map<string, Uint8Array>();
    const original = await chainOf(2, store);
    const [genesis, first, second] = [0, 1, 2].map((n) => record(original.getBlockByNumber(n)!));
    const broken = ExecutionChain.restore({
      common,
      stateStore: new Map(store),
      blocks: [genesis!, second!],
    });
    await expect(broken).rejects.toMatchObject({ code: "PARENT_MISMATCH" });
    const empty = ExecutionChain.restore({
      common,
      stateStore: new Map(),
      blocks: [genesis!, first!, second!],
    });
    await expect(empty).rejects.toThrow(EvmError);
    await expect(empty).rejects.toThrow(/lacks the head's state root/);
  });
});
