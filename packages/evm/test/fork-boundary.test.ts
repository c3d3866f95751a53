import { beforeAll, describe, expect, it } from "vitest";
import { createCommon, type EvmError, executeBlocksStatelessly } from "../src/index.js";
import {
  buildForkChain,
  FORK_CHAIN_PRAGUE_TIME,
  type ForkChain,
  forkChainSpec,
} from "../src/testing/index.js";

/** The error a run fails with (fails the test if the run succeeds). */
async function failure(run: Promise<unknown>): Promise<EvmError> {
  try {
    await run;
  } catch (error) {
    return error as EvmError;
  }
  throw new Error("the run succeeded");
}

describe("a range across a fork boundary (Cancun, then Prague from block 3)", () => {
  let fork: ForkChain;
  beforeAll(async () => {
    fork = await buildForkChain();
  });

  const range = () => ({
    blocks: fork.blocks.map((b) => b.rlp),
    witnesses: fork.blocks.map((b) => b.witness),
  });

  it("was built under each block's rules", () => {
    const forks = fork.blocks.map((b) => b.block.common.hardfork());
    expect(forks).toEqual(["cancun", "cancun", "prague", "prague", "prague"]);
    expect(fork.blocks[1]!.block.header.requestsHash).toBeUndefined();
    expect(fork.blocks[2]!.block.header.requestsHash).toBeDefined();
  });

  it("is proven under the chain's spec", async () => {
    const commitments = await executeBlocksStatelessly({ common: fork.common, ...range() });
    expect(commitments.map((c) => c.stateRoot)).toEqual(fork.blocks.map((b) => b.stateRoot));
  });

  it("is refused under a spec with Prague from genesis, or without Prague", async () => {
    const pragueFromGenesis = createCommon(forkChainSpec({ pragueTime: 0 }));
    expect((await failure(executeBlocksStatelessly({ common: pragueFromGenesis, ...range() }))).message).toBe(
      "block #0 of the range: block RLP does not decode: invalid header. requestsHash should be provided",
    );
    const neverPrague = createCommon(forkChainSpec({ pragueTime: undefined }));
    expect((await failure(executeBlocksStatelessly({ common: neverPrague, ...range() }))).message).toMatch(
      /^block #2 of the range: block RLP does not decode: requestsHash can only be provided with EIP 7685 activated/,
    );
    const laterPrague = createCommon(forkChainSpec({ pragueTime: FORK_CHAIN_PRAGUE_TIME + 12 }));
    expect((await failure(executeBlocksStatelessly({ common: laterPrague, ...range() }))).message).toMatch(
      /^block #2 of the range: block RLP does not decode: requestsHash can only be provided with EIP 7685 activated/,
    );
  });

  it("refuses blocks before the merge and blocks of a fork after Prague, naming the setting", async () => {
    const mergedLater = createCommon(forkChainSpec({ mergeForkBlock: 2 }));
    const preMerge = await failure(executeBlocksStatelessly({ common: mergedLater, ...range() }));
    expect(preMerge.code).toBe("UNSUPPORTED_RULES");
    expect(preMerge.message).toMatch(/block 1: it is before the merge .*mergeForkBlock is 2.*out of scope/);
    const osaka = createCommon(forkChainSpec({ osakaTime: FORK_CHAIN_PRAGUE_TIME + 12 }));
    const later = await failure(executeBlocksStatelessly({ common: osaka, ...range() }));
    expect(later.code).toBe("UNSUPPORTED_RULES");
    expect(later.message).toMatch(
      /^block 4: its timestamp \d+ is at or after osakaTime = \d+; osaka is not executed/,
    );
  });
});
