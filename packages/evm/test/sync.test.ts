import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chainSpecHash,
  closeSyncExecutor,
  devnetChainSpec,
  executeBlocksStatelessly,
  executeBlocksStatelesslySync,
  MissingCodeError,
  MissingWitnessNodeError,
} from "../src/index.js";
import { buildMixedChain, MIXED_CHAIN_ID, type MixedChain } from "../src/testing/index.js";

describe("executeBlocksStatelesslySync", () => {
  let mixed: MixedChain;
  beforeAll(async () => {
    mixed = await buildMixedChain();
  });
  afterAll(closeSyncExecutor);

  it("returns what the asynchronous form returns, without awaiting", async () => {
    const input = { blocks: mixed.blocks.map((b) => b.rlp), witnesses: mixed.blocks.map((b) => b.witness) };
    const chainSpec = devnetChainSpec(MIXED_CHAIN_ID);
    const sync = executeBlocksStatelesslySync({ chainSpec, ...input });
    expect(sync.commitments).toEqual(await executeBlocksStatelessly({ common: mixed.common, ...input }));
    expect(sync.chainSpecHash).toBe(chainSpecHash(chainSpec));
  });

  it("throws the same typed errors", () => {
    const block = mixed.blocks[2]!;
    const chainSpec = devnetChainSpec(MIXED_CHAIN_ID);
    const run = (witness: typeof block.witness) => () =>
      executeBlocksStatelesslySync({ chainSpec, blocks: [block.rlp], witnesses: [witness] });
    expect(run({ ...block.witness, state: block.witness.state.slice(1) })).toThrow(MissingWitnessNodeError);
    expect(run({ ...block.witness, codes: [] })).toThrow(MissingCodeError);
    expect(run({ ...block.witness, headers: [] })).toThrow(/parent check failed/);
  });

  it("refuses a chain spec that does not parse, naming the key", () => {
    const block = mixed.blocks[0]!;
    const chainSpec = { ...devnetChainSpec(MIXED_CHAIN_ID), pragueTime: undefined, osakaTime: 0 };
    expect(() =>
      executeBlocksStatelesslySync({ chainSpec, blocks: [block.rlp], witnesses: [block.witness] }),
    ).toThrow(/input: chain spec:[\s\S]*osakaTime is set but pragueTime is not/);
  });
});
