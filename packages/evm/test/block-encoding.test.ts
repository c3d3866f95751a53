/**
 * A block is taken only in its canonical RLP: @ethereumjs's decoder forgives encodings a full node
 * refuses (and re-encodes them its own way), which would let a proof's input bytes differ from the
 * block whose hash it commits.
 */
import { RLP } from "@ethereumjs/rlp";
import { hexToBytes } from "@ethereumjs/util";
import { beforeAll, expect, it } from "vitest";
import { type ChainBlock, EvmError, executeBlocksStatelessly } from "../src/index.js";
import { buildMixedChain, type MixedChain } from "../src/testing/index.js";

type Nested = (Uint8Array | Nested)[];

let mixed: MixedChain;
let block: ChainBlock;

beforeAll(async () => {
  mixed = await buildMixedChain();
  block = mixed.blocks[2]!; // transactions of every type, the last one legacy
});

/** The block's RLP with `change` applied to its decoded lists. */
function reencoded(change: (values: Nested) => void): Uint8Array {
  const values = RLP.decode(hexToBytes(block.rlp)) as Nested;
  change(values);
  return RLP.encode(values);
}

const execute = (bytes: Uint8Array) =>
  executeBlocksStatelessly({ common: mixed.common, blocks: [bytes], witnesses: [block.witness] });

it("executes the canonical encoding", async () => {
  const [commitment] = await execute(hexToBytes(block.rlp));
  expect(commitment!.hash).toBe(block.hash);
});

it.each([
  [
    "a header integer with a leading zero byte",
    (values: Nested) => {
      const header = values[0] as Uint8Array[];
      header[10] = Uint8Array.from([0, ...header[10]!]); // gasUsed
    },
  ],
  ["an element after the block body", (values: Nested) => void values.push(Uint8Array.from([1, 2, 3]))],
  [
    "a legacy transaction wrapped in a byte string",
    (values: Nested) => {
      const transactions = values[1] as Nested;
      const legacy = transactions.findIndex((tx) => Array.isArray(tx));
      transactions[legacy] = RLP.encode(transactions[legacy] as Nested);
    },
  ],
])("refuses %s, as a full node does", async (_what, change) => {
  const error = await execute(reencoded(change)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EvmError);
  expect(error).toMatchObject({ code: "INVALID_BLOCK" });
  expect((error as Error).message).toMatch(/is not canonically encoded/);
});

it("refuses hex that is not hex as an invalid block", async () => {
  const error = await executeBlocksStatelessly({
    common: mixed.common,
    blocks: ["0xzz" as `0x${string}`],
    witnesses: [block.witness],
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EvmError);
  expect(error).toMatchObject({ code: "INVALID_BLOCK" });
});
