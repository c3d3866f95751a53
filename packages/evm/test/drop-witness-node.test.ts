import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ChainBlock,
  EvmError,
  type ExecutionWitness,
  executeBlocksStatelessly,
  keccak256,
  MissingAncestorError,
  MissingCodeError,
  MissingWitnessNodeError,
} from "../src/index.js";
import { buildMixedChain, type MixedChain } from "../src/testing/index.js";
import { withTimeout } from "./support/timeout.js";

const RUN_TIMEOUT_MS = 10_000;

function without(witness: ExecutionWitness, field: keyof ExecutionWitness, index: number): ExecutionWitness {
  return { ...witness, [field]: witness[field].filter((_, i) => i !== index) };
}

async function failureOf(mixed: MixedChain, block: ChainBlock, witness: ExecutionWitness): Promise<unknown> {
  try {
    await withTimeout(
      executeBlocksStatelessly({ common: mixed.common, blocks: [block.rlp], witnesses: [witness] }),
      RUN_TIMEOUT_MS,
    );
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * A witness lacking any single item must fail the block with an error naming that item; a
 * witness that silently executes with a node missing could prove a wrong transition.
 */
describe("dropping one witness item", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });

  // Every block of the chain; block 3 has the storage clears that collapse branches, a revert and BLOCKHASH.
  for (const index of [0, 1, 2, 3, 4]) {
    it(`fails block ${index + 1} naming each missing trie node`, async () => {
      const block = mixed.blocks[index]!;
      for (const [i, node] of block.witness.state.entries()) {
        const error = await failureOf(mixed, block, without(block.witness, "state", i));
        expect(error, `node ${i}`).toBeInstanceOf(MissingWitnessNodeError);
        expect((error as MissingWitnessNodeError).nodeHash).toBe(bytesToHex(keccak256(hexToBytes(node))));
        expect((error as MissingWitnessNodeError).message).toContain(`block ${index + 1}`);
      }
    });

    it(`fails block ${index + 1} naming each missing code`, async () => {
      const block = mixed.blocks[index]!;
      for (const [i, code] of block.witness.codes.entries()) {
        const error = await failureOf(mixed, block, without(block.witness, "codes", i));
        expect(error, `code ${i}`).toBeInstanceOf(MissingCodeError);
        expect((error as MissingCodeError).codeHash).toBe(bytesToHex(keccak256(hexToBytes(code))));
      }
    });
  }

  it("fails without the parent header, and without an ancestor BLOCKHASH reads", async () => {
    const block = mixed.blocks[3]!;
    const [withoutParent, withoutGrandparent, withoutOldest] = [0, 1, 2].map((i) =>
      failureOf(mixed, block, without(block.witness, "headers", i)),
    );
    expect(await withoutParent).toMatchObject({ code: "PARENT_MISMATCH" });
    expect(await withoutGrandparent).toBeInstanceOf(MissingAncestorError);
    expect(await withoutOldest).toBeInstanceOf(MissingAncestorError);
    expect(((await withoutOldest) as MissingAncestorError).ancestorNumber).toBe(1n);
  });

  it("completes with the whole witness, so each failure above is the dropped item's", async () => {
    for (const block of mixed.blocks) {
      expect(await failureOf(mixed, block, block.witness)).toBeUndefined();
    }
  });

  it("fails with a typed error, never a generic one", async () => {
    const block = mixed.blocks[2]!;
    const error = await failureOf(mixed, block, { ...block.witness, state: [] });
    expect(error).toBeInstanceOf(EvmError);
    expect((error as EvmError).code).toBe("MISSING_WITNESS_NODE");
  });
});
