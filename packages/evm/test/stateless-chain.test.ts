import { bytesToHex } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import { executeBlocksStatelessly } from "../src/index.js";
import { buildMixedChain, type MixedChain } from "../src/testing/index.js";

describe("stateless re-execution of a recorded chain", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });

  it("covers what a prover must handle", () => {
    const [, second, third, fourth, fifth] = mixed.blocks;
    expect(second?.receipts.reduce((logs, receipt) => logs + receipt.logs.length, 0)).toBe(8);
    expect(third?.receipts.some((receipt) => "status" in receipt && receipt.status === 0)).toBe(true);
    expect(fourth?.witness.headers).toHaveLength(3);
    expect(fifth?.block.transactions).toHaveLength(0);
  });

  it("reaches every header's state root from the recorded witnesses alone, as one range", async () => {
    const commitments = await executeBlocksStatelessly({
      common: mixed.common,
      blocks: mixed.blocks.map((block) => block.rlp),
      witnesses: mixed.blocks.map((block) => block.witness),
    });
    expect(commitments).toEqual(
      mixed.blocks.map(({ block, hash }) => ({
        number: Number(block.header.number),
        hash,
        parentHash: bytesToHex(block.header.parentHash),
        stateRoot: bytesToHex(block.header.stateRoot),
      })),
    );
  });

  it("executes each block on its own, from its own witness", async () => {
    for (const block of mixed.blocks) {
      const [commitment] = await executeBlocksStatelessly({
        common: mixed.common,
        blocks: [block.block],
        witnesses: [block.witness],
      });
      expect(commitment?.hash).toBe(block.hash);
    }
    // Each block's VM must be collectable: none may stay subscribed to the caller's Common.
    expect(mixed.common.events.listenerCount("hardforkChanged")).toBe(0);
  });

  it("accepts witness headers in any order", async () => {
    const block = mixed.blocks[3];
    if (block === undefined) throw new Error("no block 4");
    const reversed = { ...block.witness, headers: [...block.witness.headers].reverse() };
    const [commitment] = await executeBlocksStatelessly({
      common: mixed.common,
      blocks: [block.rlp],
      witnesses: [reversed],
    });
    expect(commitment?.hash).toBe(block.hash);
  });

  it("serves BLOCKHASH from the range's earlier blocks when a witness carries only the parent", async () => {
    const range = mixed.blocks.slice(0, 4);
    const witnesses = range.map((block) => ({
      ...block.witness,
      headers: block.witness.headers.slice(0, 1),
    }));
    const commitments = await executeBlocksStatelessly({
      common: mixed.common,
      blocks: range.map((block) => block.rlp),
      witnesses,
    });
    expect(commitments.map((c) => c.hash)).toEqual(range.map((block) => block.hash));
  });
});
