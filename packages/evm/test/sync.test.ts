import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeSyncExecutor,
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
    const sync = executeBlocksStatelesslySync({
      chain: { kind: "devnet", chainId: MIXED_CHAIN_ID },
      ...input,
    });
    expect(sync).toEqual(await executeBlocksStatelessly({ common: mixed.common, ...input }));
  });

  it("throws the same typed errors", () => {
    const block = mixed.blocks[2]!;
    const chain = { kind: "devnet", chainId: MIXED_CHAIN_ID } as const;
    const run = (witness: typeof block.witness) => () =>
      executeBlocksStatelesslySync({ chain, blocks: [block.rlp], witnesses: [witness] });
    expect(run({ ...block.witness, state: block.witness.state.slice(1) })).toThrow(MissingWitnessNodeError);
    expect(run({ ...block.witness, codes: [] })).toThrow(MissingCodeError);
    expect(run({ ...block.witness, headers: [] })).toThrow(/parent check failed/);
  });
});
