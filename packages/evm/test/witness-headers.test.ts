import { createBlock, createBlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, KECCAK256_RLP_ARRAY } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ChainSpec,
  commonForBlock,
  createCommon,
  ExecutionChain,
  type ExecutionWitness,
  executeBlocksStatelessly,
  type Hex,
} from "../src/index.js";
import { buildMixedChain, type MixedChain, mixedGenesisAlloc } from "../src/testing/index.js";

describe("the merge block of a chain that was proof-of-authority (Clique) before the merge", () => {
  it("is executed from a witness whose parent header carries a Clique seal in extraData", async () => {
    // Merged at block 2: block 1 is a Clique block (97 bytes of extraData: vanity + seal, no
    // block reward), block 2 the first proof-of-stake block, empty, so the state is genesis's.
    const spec: ChainSpec = {
      chainId: 1337,
      mergeForkBlock: 2,
      depositContractAddress: `0x${"00".repeat(20)}`,
    };
    const common = createCommon(spec);
    const chain = await ExecutionChain.create({
      common,
      alloc: mixedGenesisAlloc(),
      genesis: { timestamp: 1_000n },
    });
    const genesis = chain.getBlockByNumber(0)!.block.header;
    const clique = createBlockHeader(
      {
        parentHash: genesis.hash(),
        number: 1n,
        timestamp: 1_015n,
        gasLimit: genesis.gasLimit,
        stateRoot: genesis.stateRoot,
        difficulty: 2n,
        baseFeePerGas: genesis.calcNextBaseFee(),
        extraData: new Uint8Array(97).fill(7),
      },
      { common: commonForBlock(common, 1n, 1_015n), skipConsensusFormatValidation: true },
    );
    const merge = createBlock(
      {
        header: {
          parentHash: clique.hash(),
          number: 2n,
          timestamp: 1_030n,
          gasLimit: clique.gasLimit,
          stateRoot: genesis.stateRoot,
          difficulty: 0n,
          baseFeePerGas: clique.calcNextBaseFee(),
          uncleHash: KECCAK256_RLP_ARRAY,
        },
      },
      { common: commonForBlock(common, 2n, 1_030n) },
    );
    const witness: ExecutionWitness = { ...chain.fullWitness(), headers: [bytesToHex(clique.serialize())] };
    const [commitment] = await executeBlocksStatelessly({
      common,
      blocks: [merge.serialize()],
      witnesses: [witness],
    });
    expect(commitment).toEqual({
      number: 2,
      hash: bytesToHex(merge.hash()),
      parentHash: bytesToHex(clique.hash()),
      stateRoot: bytesToHex(genesis.stateRoot),
    });
  });
});

describe("witness headers the block never reaches", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });

  /** `count` distinct headers that decode under the chain's rules and are no ancestor of anything. */
  function padding(count: number): Hex[] {
    const template = mixed.blocks[0]!.block.header;
    return Array.from({ length: count }, (_, i) =>
      bytesToHex(
        createBlockHeader(
          {
            ...template.toJSON(),
            extraData: `0x${i.toString(16).padStart(64, "0")}`,
          },
          { common: template.common },
        ).serialize(),
      ),
    );
  }

  /** Copies of the chain's Common made while executing: every decoded header makes one (~16 KB). */
  async function commonCopies(common: Common, witnesses: ExecutionWitness[]): Promise<number> {
    const copy = common.copy.bind(common);
    let copies = 0;
    common.copy = () => {
      copies++;
      return copy();
    };
    try {
      await executeBlocksStatelessly({ common, blocks: mixed.blocks.map((b) => b.rlp), witnesses });
    } finally {
      common.copy = copy;
    }
    return copies;
  }

  it("are not decoded (a witness padded to the header limit costs no more memory than the honest one)", async () => {
    const honest = mixed.blocks.map((b) => b.witness);
    const extra = padding(8_000);
    const padded = honest.map((w) => ({ ...w, headers: [...w.headers, ...extra] }));
    const baseline = await commonCopies(mixed.common, honest);
    const withPadding = await commonCopies(mixed.common, padded);
    // Before: every listed header was decoded up front, 8,000 Common copies (~130 MB) per block.
    expect(withPadding - baseline).toBeLessThan(16);
  });
});
