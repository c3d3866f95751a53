import { beforeAll, describe, expect, it } from "vitest";
import { createCommon, executeBlocksStatelessly } from "../src/index.js";
import {
  buildForkChain,
  FORK_CHAIN_PRAGUE_TIME,
  type ForkChain,
  forkChainSpec,
} from "../src/testing/index.js";
import { failure } from "./run-failure.js";

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

  it("is refused under a spec with Prague from genesis, or without Prague, saying the schedule is in question", async () => {
    const pragueFromGenesis = createCommon(forkChainSpec({ pragueTime: 0 }));
    expect((await failure(executeBlocksStatelessly({ common: pragueFromGenesis, ...range() }))).message).toBe(
      "block #0 of the range: block RLP does not decode: invalid header. requestsHash should be provided; " +
        "its header has the 20 fields of a cancun block, but the chain spec puts its timestamp 1700000012 under prague " +
        "(shanghaiTime = 0, cancunTime = 0, pragueTime = 0): is the spec's fork schedule the chain's?",
    );
    const neverPrague = createCommon(forkChainSpec({ pragueTime: undefined }));
    expect((await failure(executeBlocksStatelessly({ common: neverPrague, ...range() }))).message).toBe(
      "block #2 of the range: block RLP does not decode: requestsHash can only be provided with EIP 7685 activated; " +
        "its header has the 21 fields of a prague block, but the chain spec puts its timestamp 1700000036 under cancun " +
        "(shanghaiTime = 0, cancunTime = 0): is the spec's fork schedule the chain's?",
    );
    const laterPrague = createCommon(forkChainSpec({ pragueTime: FORK_CHAIN_PRAGUE_TIME + 12 }));
    expect((await failure(executeBlocksStatelessly({ common: laterPrague, ...range() }))).message).toMatch(
      /^block #2 of the range: block RLP does not decode: requestsHash can only be provided with EIP 7685 activated; its header has the 21 fields of a prague block, but the chain spec puts its timestamp 1700000036 under cancun \(.*pragueTime = 1700000048\): is the spec's fork schedule the chain's\?$/,
    );
  });

  it("blames the schedule, not the witness, when only the parent header contradicts it", async () => {
    // Prague a block early: the first Prague block decodes, its Cancun parent (a witness header) does not.
    const earlierPrague = createCommon(forkChainSpec({ pragueTime: FORK_CHAIN_PRAGUE_TIME - 12 }));
    const first = fork.blocks[2]!;
    const error = await failure(
      executeBlocksStatelessly({ common: earlierPrague, blocks: [first.rlp], witnesses: [first.witness] }),
    );
    expect(error.code).toBe("INVALID_WITNESS");
    expect(error.message).toBe(
      "block 3: witness header 0 does not decode: invalid header. requestsHash should be provided; " +
        "its header has the 20 fields of a cancun block, but the chain spec puts its timestamp 1700000024 under prague " +
        "(shanghaiTime = 0, cancunTime = 0, pragueTime = 1700000024): is the spec's fork schedule the chain's?",
    );
  });

  it("blames the schedule when a parent header of the fork before Shanghai would decode under it", async () => {
    // Paris, then Shanghai from block 3, run with Shanghai a block early: the library fills in the
    // Paris parent's missing withdrawals root, and the header it decodes hashes to no parent.
    const parisFirst = { shanghaiTime: FORK_CHAIN_PRAGUE_TIME, cancunTime: undefined, pragueTime: undefined };
    const first = (await buildForkChain(forkChainSpec(parisFirst))).blocks[2]!;
    const earlierShanghai = createCommon(
      forkChainSpec({ ...parisFirst, shanghaiTime: FORK_CHAIN_PRAGUE_TIME - 12 }),
    );
    const error = await failure(
      executeBlocksStatelessly({ common: earlierShanghai, blocks: [first.rlp], witnesses: [first.witness] }),
    );
    expect(error.code).toBe("INVALID_WITNESS");
    expect(error.message).toBe(
      "block 3: witness header 0 does not decode: its fields are not those of the fork it falls under; " +
        "its header has the 16 fields of a paris block, but the chain spec puts its timestamp 1700000024 under shanghai " +
        "(shanghaiTime = 1700000024): is the spec's fork schedule the chain's?",
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
