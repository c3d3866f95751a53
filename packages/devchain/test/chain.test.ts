import { bytesToHex } from "@ethereumjs/util";
import { PermanentError } from "@paas/core";
import { chainSpecHash, executeBlocksStatelessly, parseChainSpec, presetChainSpec } from "@paas/evm";
import {
  applyBlockRange,
  BatchTransitionSsz,
  type BlockRangeResult,
  chainstateRoot,
  combineClStfOutputs,
  type EvmBlockCommitment,
  fromHex,
  sequencerPublicKey,
  toHex,
  verifyBlockSignature,
} from "@paas/rollup";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createDevChain,
  DEFAULT_RETAIN_BLOCKS,
  DevChain,
  type DevChainEvent,
  DevChainNotFoundError,
  DevChainPrunedError,
} from "../src/index.js";

const OPTIONS = { seed: "chain-test", slotsPerEpoch: 4, epochs: 3 } as const;

/** Everything that identifies a chain: EL blocks and witnesses, L2 blocks, chainstates, checkpoints. */
function fingerprint(chain: DevChain) {
  return {
    params: { ...chain.params, sequencerPublicKey: toHex(chain.params.sequencerPublicKey) },
    el: chain.getElBlocks(0).map((b) => ({ hash: b.hash, rlp: b.rlp, witness: b.witness })),
    l2: chain.producedBlocks.map((b) => ({ id: toHex(b.blockId), signature: toHex(b.l2.signature) })),
    chainstates: Array.from({ length: chain.latestSlot + 1 }, (_, s) =>
      toHex(chainstateRoot(chain.getChainstate(s))),
    ),
    checkpoints: chain.checkpoints.map((c) => toHex(BatchTransitionSsz.serialize(c.transition))),
  };
}

let chain: DevChain;
beforeAll(async () => {
  chain = await createDevChain(OPTIONS);
});

describe("chain spec", () => {
  it("is the devnet preset, published in geth's format, and the rollup params name its hash", async () => {
    expect(chain.chainSpec).toEqual(presetChainSpec("devnet"));
    expect(parseChainSpec(chain.chainConfig)).toEqual(chain.chainSpec);
    expect(toHex(chain.params.elChainSpecHash)).toBe(chainSpecHash(chain.chainSpec));
    const other = await createDevChain({ ...OPTIONS, chainId: 99, epochs: 0 });
    expect(other.chainSpec).toEqual({ ...presetChainSpec("devnet"), chainId: 99 });
    expect(toHex(other.params.elChainSpecHash)).toBe(chainSpecHash(other.chainSpec));
  });
});

describe("determinism", () => {
  it("builds the same chain, byte for byte, from the same seed", async () => {
    const again = await createDevChain(OPTIONS);
    expect(fingerprint(again)).toEqual(fingerprint(chain));
    expect(again.checkpoints.map((c) => c.transition)).toEqual(chain.checkpoints.map((c) => c.transition));
  });

  it("builds another chain from another seed, and uses a sequencer key when given one", async () => {
    const key = new Uint8Array(32).fill(5);
    const other = await createDevChain({ ...OPTIONS, seed: "another", epochs: 1, sequencerKey: key });
    expect(other.getElBlock(1)!.hash).not.toBe(chain.getElBlock(1)!.hash);
    expect(other.params.sequencerPublicKey).toEqual(sequencerPublicKey(key));
    expect(verifyBlockSignature(other.getL2Block(1), other.params)).toBe(true);
  });
});

describe("a provable chain", () => {
  it("re-executes every EL block statelessly from its recorded witness", async () => {
    const blocks = chain.getElBlocks();
    expect(blocks).toHaveLength(12);
    const commitments = await executeBlocksStatelessly({
      common: chain.common,
      blocks: blocks.map((b) => b.rlp),
      witnesses: blocks.map((b) => b.witness),
    });
    expect(commitments.map((c) => c.hash)).toEqual(blocks.map((b) => b.hash));
    expect(commitments.map((c) => c.stateRoot)).toEqual(
      blocks.map((b) => bytesToHex(b.block.header.stateRoot)),
    );
  });

  it("applies every epoch with the CL STF rules and derives each checkpoint's transition", () => {
    const proven: EvmBlockCommitment[] = chain
      .getElBlocks()
      .map((b) => chain.getEvmCommitment(Number(b.block.header.number)));
    let state = chain.getChainstate(0);
    for (const checkpoint of chain.checkpoints) {
      const { start, end } = checkpoint.info.l2Range;
      const result: BlockRangeResult = applyBlockRange(
        state,
        chain.getBlocksInRange(start, end),
        chain.params,
        proven,
      );
      expect(result.chainstate).toEqual(chain.getChainstate(end));
      expect(combineClStfOutputs(checkpoint.info, [result.output])).toEqual(checkpoint.transition);
      state = result.chainstate;
    }
  });

  it("links each L2 block to the EL block of the same number, and genesis to EL genesis", () => {
    const genesis = chain.getElBlock(0)!;
    expect(chain.params.genesis.execBlock).toEqual({
      number: 0,
      hash: fromHex(genesis.hash),
      stateRoot: genesis.block.header.stateRoot,
    });
    for (const produced of chain.producedBlocks) {
      expect(produced.l2.body.execSegment.elBlockNumber).toBe(produced.slot);
      expect(toHex(produced.l2.body.execSegment.elBlockHash)).toBe(produced.el.hash);
      expect(produced.l2.header.timestamp).toBe(Number(produced.el.block.header.timestamp));
    }
  });
});

describe("queries", () => {
  it("serves blocks and chainstates by slot, and refuses what does not exist", () => {
    expect(chain.getBlocksInRange(5, 8).map((b) => b.header.slot)).toEqual([5, 6, 7, 8]);
    expect(chain.getChainstate(12).slot).toBe(12);
    expect(() => chain.getChainstate(13)).toThrow(/chainstate at slot 13 not found/);
    expect(() => chain.getBlocksInRange(10, 13)).toThrow(/slot 13 not found/);
    expect(() => chain.getBlocksInRange(0, 2)).toThrow(RangeError);
    expect(() => chain.getL2Block(0)).toThrow(/slot 0 not found/);
  });

  it("finds EL blocks by number, hash and tag", () => {
    const third = chain.getElBlock(3)!;
    expect(chain.getElBlock(third.hash)).toBe(third);
    expect(chain.getElBlock(third.block.hash())).toBe(third);
    expect(chain.getElBlock(3n)).toBe(third);
    expect(chain.getElBlock("latest")!.block.header.number).toBe(12n);
    expect(chain.getElBlock("earliest")!.block.header.number).toBe(0n);
    expect(chain.getElBlock("safe")!.block.header.number).toBe(12n);
    expect(chain.getElBlock("finalized")!.block.header.number).toBe(0n);
    expect(chain.getElBlock(13)).toBeUndefined();
    expect(() => chain.getExecutionWitness(0)).toThrow(/genesis/);
    expect(chain.getExecutionWitness(3)).toBe(third.witness);
  });

  it("keeps the witnesses of its newest retainBlocks EL blocks, and says which were pruned", async () => {
    expect(chain.retainBlocks).toBe(DEFAULT_RETAIN_BLOCKS);
    const short = await createDevChain({ ...OPTIONS, epochs: 2, retainBlocks: 3 });
    for (const n of [1, 5]) {
      expect(short.getElBlock(n)!.witnessPruned).toBe(true);
      const ask = () => short.getExecutionWitness(n);
      expect(ask).toThrow(DevChainPrunedError);
      expect(ask).toThrow(
        `execution witness of EL block ${n} not found: pruned, this chain keeps the witnesses of its last 3 blocks`,
      );
    }
    // A not-found, so the devnet answers NOT_FOUND and a prover does not retry.
    expect(new DevChainPrunedError(1, 3)).toBeInstanceOf(DevChainNotFoundError);
    expect(new DevChainPrunedError(1, 3)).toBeInstanceOf(PermanentError);
    for (const n of [6, 7, 8]) expect(short.getExecutionWitness(n)).toEqual(chain.getExecutionWitness(n));
    // Everything else stays: the same blocks as without pruning, their RLP, JSON and commitments.
    expect(short.getRawBlock(1)).toBe(chain.getRawBlock(1));
    expect(short.getElBlockJson(1)).toEqual(chain.getElBlockJson(1));
    expect(short.getEvmCommitment(1)).toEqual(chain.getEvmCommitment(1));
    expect(short.getChainstate(8)).toEqual(chain.getChainstate(8));
  });

  it("holds the EL head state only, through every kind of transaction the workload sends", async () => {
    const fresh = await DevChain.create({ seed: "head-state-test" });
    for (let i = 0; i < 40; i++) {
      await fresh.produceBlock();
      const { state, codes } = fresh.execution.fullWitness(); // fails on a node the head lacks
      expect(fresh.execution.stateEntries, `after block ${i + 1}`).toBe(state.length + codes.length);
    }
  });

  it("refuses a witness retention that is not a positive integer", async () => {
    for (const retainBlocks of [0, 2.5]) {
      await expect(DevChain.create({ retainBlocks })).rejects.toThrow(RangeError);
    }
  });

  it("closes epochs on their last slot when producing epochs from the middle of one", async () => {
    const fresh = await createDevChain({ ...OPTIONS, epochs: 0, extraBlocks: 2 });
    expect(fresh.latestCheckpointIndex).toBeNull();
    expect(fresh.nextUnprovenCheckpointIndex).toBeNull();
    const produced = await fresh.produceEpochs(1);
    expect(produced.map((b) => b.slot)).toEqual([3, 4]);
    expect(produced.at(-1)!.checkpoint).toEqual({ index: 0, epoch: 0, l2Range: { start: 1, end: 4 } });
    expect(fresh.nextUnprovenCheckpointIndex).toBe(0);
    await fresh.produceBlocks(1);
    expect(await fresh.produceEpochs(0)).toEqual([]);
  });
});

describe("a long-running chain", () => {
  it("keeps no VM alive per block (none stays subscribed to the chain's Common)", async () => {
    const fresh = await createDevChain({ ...OPTIONS, epochs: 1 });
    expect(fresh.common.events.listenerCount("hardforkChanged")).toBe(0);
  });
});

describe("timer mode", () => {
  it("produces blocks on a timer until stopped, and reports them as events", async () => {
    const timed = await DevChain.create({ seed: "timer", slotsPerEpoch: 2 });
    const events: DevChainEvent["type"][] = [];
    timed.subscribe((event) => events.push(event.type));
    const reached = new Promise<void>((resolve) => {
      timed.subscribe((event) => {
        if (event.type === "block" && event.block.slot === 3) resolve();
      });
    });
    timed.start(5);
    expect(() => timed.start(5)).toThrow(/already running/);
    await reached;
    await timed.stop();
    const stoppedAt = timed.latestSlot;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(timed.latestSlot).toBe(stoppedAt);
    expect(timed.isRunning).toBe(false);
    expect(events.slice(0, 4)).toEqual(["block", "block", "checkpoint", "block"]);
    // Manual production goes on from where the timer stopped.
    expect((await timed.produceBlock()).slot).toBe(stoppedAt + 1);
  });

  it("refuses a block time a timer cannot wait (it would fire at once), and production once closed", async () => {
    const timed = await DevChain.create({ seed: "timer", slotsPerEpoch: 2 });
    expect(() => timed.start(2 ** 31)).toThrow("blockTimeMs must be from 1 to 2147483647, got 2147483648");
    expect(timed.isRunning).toBe(false);
    await timed.close();
    await expect(timed.produceBlock()).rejects.toThrow("the devchain is closed");
    expect(timed.latestSlot).toBe(0);
  });
});
