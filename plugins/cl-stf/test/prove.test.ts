/**
 * The plugin in the harness (real scheduler, real native host, real signatures), over a chain
 * built by the rollup's sequencer rules and served by a stub node; the EVM EE STF is a stand-in
 * whose public values are the chain's EL blocks. Each test uses its own slot range, so tasks of
 * one test are never the tasks of another.
 */
import { type ClStfOutput, chainstateRoot, EVM_EE_STF, rollupParamsRoot, toHex } from "@paas/rollup";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  blockAt,
  buildTestChain,
  contextFor,
  evmContextFor,
  hash,
  OTHER_KEY,
  reseal,
  type TestChain,
  withBlock,
  withChainstate,
} from "../src/testing.js";
import { type ClStfSetup, permanentError, setUpClStf } from "./fixtures/harness.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });

let setup: ClStfSetup;
beforeAll(async () => {
  setup = await setUpClStf({ chain });
});
afterAll(async () => {
  await setup.close();
});
beforeEach(() => {
  setup.node.serve(chain);
});

describe("an honest chain", () => {
  it("proves a whole epoch on top of the EVM EE STF proof of the EL blocks it carries", async () => {
    const { harness } = setup;
    const context = contextFor(chain, 9, 16);
    const { record, output } = await harness.prove<ClStfOutput>(context);
    expect(record.status).toBe("completed");
    expect(output).toEqual({
      epoch: 1,
      initialChainstateRoot: chainstateRoot(chain.chainstates[8]!),
      finalChainstateRoot: chainstateRoot(chain.chainstates[16]!),
      start: 9,
      end: 16,
      paramsRoot: rollupParamsRoot(chain.params),
    });
    expect(harness.statusesOf(context)).toEqual(["pending", "blocked", "queued", "proving", "completed"]);
    // Its one dependency: the EVM EE STF of exactly EL blocks 9..16, proven first.
    const dependency = evmContextFor(chain, 9, 16);
    expect(dependency).toEqual({
      kind: EVM_EE_STF.kind,
      start: { number: 9, hash: toHex(chain.elBlocks[9]!.hash) },
      end: { number: 16, hash: toHex(chain.elBlocks[16]!.hash) },
    });
    expect((await harness.waitFor(dependency)).status).toBe("completed");
  });

  it("proves epoch 0 from the genesis chainstate, and a part of an epoch", async () => {
    const { harness } = setup;
    const [whole, part] = await Promise.all([
      harness.prove<ClStfOutput>(contextFor(chain, 1, 8)),
      harness.prove<ClStfOutput>(contextFor(chain, 11, 13)),
    ]);
    expect(whole.output).toMatchObject({ epoch: 0, start: 1, end: 8 });
    expect(whole.output?.initialChainstateRoot).toEqual(chainstateRoot(chain.chainstates[0]!));
    expect(part.output).toMatchObject({ epoch: 1, start: 11, end: 13 });
    expect(part.output?.finalChainstateRoot).toEqual(chainstateRoot(chain.chainstates[13]!));
  });
});

describe("a tampered chain is rejected permanently, naming the check and the slot", () => {
  /** Serves `tampered`, proves slots start..end of it, and returns the failure's message. */
  async function rejection(tampered: TestChain, start: number, end: number): Promise<string> {
    const { harness, node } = setup;
    node.serve(tampered);
    const context = contextFor(tampered, start, end);
    const { record } = await harness.prove(context);
    expect(harness.statusesOf(context)).not.toContain("transient_failure");
    return permanentError(record);
  }

  it("a bad signature", async () => {
    const block = blockAt(chain, 4);
    const signature = block.signature.slice();
    signature[10]! ^= 0x01;
    const error = await rejection(withBlock(chain, 4, { ...block, signature }), 3, 5);
    expect(error).toMatch(/block at slot 4 rejected by the SIGNATURE check/);
  });

  it("a signature by another key", async () => {
    const forged = reseal(chain, blockAt(chain, 5), { secretKey: OTHER_KEY });
    const error = await rejection(withBlock(chain, 5, forged), 4, 6);
    expect(error).toMatch(/block at slot 5 rejected by the SIGNATURE check: signature does not verify/);
  });

  it("a wrong parent", async () => {
    const forged = reseal(chain, blockAt(chain, 6), { header: { parentId: hash("not the parent") } });
    const error = await rejection(withBlock(chain, 6, forged), 5, 7);
    expect(error).toMatch(/block at slot 6 rejected by the PARENT check/);
  });

  it("a skipped slot (the sequencer left slot 2 empty and built slot 3 on slot 1)", async () => {
    const afterSlot1 = chain.chainstates[1]!;
    // The CL's chainstate at slot 2: time passed, no block was applied.
    const tampered = withChainstate(
      withBlock(chain, 3, reseal(chain, blockAt(chain, 3), { header: { parentId: afterSlot1.tip.blockId } })),
      2,
      { ...afterSlot1, slot: 2 },
    );
    const error = await rejection(tampered, 3, 4);
    expect(error).toMatch(
      /block at slot 3 rejected by the SLOT check: expected slot 2 after the tip at slot 1/,
    );
  });

  it("a header epoch that does not match its slot", async () => {
    const forged = reseal(chain, blockAt(chain, 7), { header: { epoch: 1 } });
    const error = await rejection(withBlock(chain, 7, forged), 7, 8);
    expect(error).toMatch(
      /block at slot 7 rejected by the EPOCH check: header says epoch 1, slot 7 is in epoch 0/,
    );
  });

  it("a block of another epoch inside the range", async () => {
    const forged = reseal(chain, blockAt(chain, 16), { header: { epoch: 2 } });
    const error = await rejection(withBlock(chain, 16, forged), 15, 16);
    expect(error).toMatch(
      /range rejected by the EPOCH check: block at slot 16 is in epoch 2, the range started in epoch 1/,
    );
  });

  it("a body that does not match its root", async () => {
    const block = blockAt(chain, 14);
    // The signed header is untouched; the body served with it is another.
    const body = { execSegment: { ...block.body.execSegment, elStateRoot: hash("another EL state") } };
    const error = await rejection(withBlock(chain, 14, { ...block, body }), 13, 15);
    expect(error).toMatch(/block at slot 14 rejected by the BODY_ROOT check/);
  });

  it("an exec segment that differs from the proven EVM block", async () => {
    const block = blockAt(chain, 15);
    const body = { execSegment: { ...block.body.execSegment, elBlockHash: hash("another EL block") } };
    const forged = reseal(chain, block, { body }); // signed, consistent body and state roots
    const error = await rejection(withBlock(chain, 15, forged), 14, 16);
    expect(error).toMatch(
      /block at slot 15 rejected by the EXEC_SEGMENT check: exec segment differs from the proven EL block: hash/,
    );
  });

  it("a state root that does not match the chainstate the block produces", async () => {
    const forged = reseal(chain, blockAt(chain, 10), { header: { stateRoot: hash("another state") } });
    const error = await rejection(withBlock(chain, 10, forged), 9, 11);
    expect(error).toMatch(/block at slot 10 rejected by the STATE_ROOT check/);
  });
});

describe("what is checked before proving", () => {
  it("refuses at submit, naming both ids, a context naming other blocks than the CL's, and stores nothing", async () => {
    const { harness } = setup;
    const honest = contextFor(chain, 2, 3);
    const context = { ...honest, end: { slot: 3, blockId: toHex(hash("a block of another fork")) } };
    await expect(harness.submit(context)).rejects.toThrow(
      `invalid cl-stf context: end.blockId: the CL's block at slot 3 is ${honest.end.blockId}, not ${context.end.blockId}`,
    );
    await expect(harness.service.status({ context, backend: "native" })).rejects.toMatchObject({
      code: "TASK_NOT_FOUND",
    });
  });

  it("refuses at submit a range ending beyond the horizon, and lets one within it wait", async () => {
    const { harness } = setup;
    const far = {
      ...contextFor(chain, 2, 3),
      end: { slot: 10_000, blockId: toHex(hash("a block of the future")) },
    };
    await expect(harness.submit(far)).rejects.toThrow(
      /end\.slot: slot 10000 is beyond slot \d+.*plugin_settings\.cl-stf\.horizon/,
    );
    // A range starting within reach but ending beyond it (2 epochs closed, horizon 4: slot 48).
    const straddling = {
      ...far,
      start: { slot: 20, blockId: far.end.blockId },
      end: { slot: 60, blockId: far.end.blockId },
    };
    await expect(harness.submit(straddling)).rejects.toThrow(
      /end\.slot: slot 60 is beyond slot 48, the end of the epoch 4 after the CL's last closed one/,
    );
    expect(harness.statusesOf(straddling)).toEqual([]);
  });

  it("with horizon 0 before any epoch has closed, refuses at submit a range the CL has not produced", async () => {
    // The CL has produced slots 1..5 of epoch 0: no epoch has closed, so nothing beyond is in reach.
    const early = { ...chain, blocks: chain.blocks.slice(0, 5), chainstates: chain.chainstates.slice(0, 6) };
    const zero = await setUpClStf({ chain: early, pluginSettings: { horizon: 0 } });
    try {
      const id = toHex(hash("a block not produced yet"));
      const context = {
        ...contextFor(chain, 2, 3),
        start: { slot: 6, blockId: id },
        end: { slot: 8, blockId: id },
      };
      await expect(zero.harness.submit(context)).rejects.toThrow(
        /invalid cl-stf context: end\.slot: slot 8 is beyond slot 0, the end of the epoch 0 after/,
      );
      expect(zero.harness.statusesOf(context)).toEqual([]);
    } finally {
      await zero.close();
    }
  });

  it("a context whose blocks the CL replaced after it was accepted (a reorg) fails at resolution, naming both ids", async () => {
    const { harness, node } = setup;
    const honest = contextFor(chain, 2, 3);
    await harness.submit(honest);
    const block = blockAt(chain, 3);
    node.serve(
      withBlock(
        chain,
        3,
        reseal(chain, block, { header: { ...block.header, timestamp: block.header.timestamp + 1 } }),
      ),
    );
    const record = await harness.waitFor(honest);
    node.serve(chain);
    const error = permanentError(record);
    expect(error).toContain(`not ${honest.end.blockId} as the context's end says`);
    expect(record).toMatchObject({ phase: "resolve" });
  });

  it("a range crossing an epoch boundary fails at resolution when the settings do not give slots_per_epoch", async () => {
    const { harness } = setup;
    const context = contextFor(chain, 7, 10);
    const { record } = await harness.prove(context);
    expect(permanentError(record)).toContain(
      "the range 7..10 crosses an epoch boundary: slot 7 is in epoch 0 (slots 1..8), slot 10 in epoch 1 (slots 9..16)",
    );
    expect(harness.statusesOf(context)).toEqual(["pending", "permanent_failure"]);
  });

  it("an L2 block carrying an EL block the EL node has under another hash fails at resolution", async () => {
    const block = blockAt(chain, 12);
    const body = { execSegment: { ...block.body.execSegment, elBlockHash: hash("an EL block nobody has") } };
    const tampered = withBlock(chain, 12, reseal(chain, block, { body }));
    setup.node.serve(tampered);
    const { record } = await setup.harness.prove(contextFor(tampered, 12, 12));
    expect(permanentError(record)).toMatch(
      /the L2 block at slot 12 carries EL block 12 0x[0-9a-f]{64}, the EL node's block 12 is 0x/,
    );
  });
});

describe("node failures are transient and retried", () => {
  it("CL failures (HTTP 500, then a timeout) are retried within the call, then by the task, until the node answers", async () => {
    const { harness, node } = setup;
    // The submission's own check (admit) takes four of them and lets the task in: a node that does
    // not answer is no reason to refuse.
    node.stub.failNext({ mode: "http500" }, { method: "cl_getBlocksInRange", times: 9 });
    node.stub.failNext({ mode: "timeout" }, { method: "cl_getChainstate", times: 1 });
    const context = contextFor(chain, 2, 5);
    const { record, output } = await harness.prove<ClStfOutput>(context);
    expect(record.status).toBe("completed");
    expect(output).toMatchObject({ epoch: 0, start: 2, end: 5 });
    // Four tries in the first attempt, all 500s: one transient failure; the timeout is retried in the call.
    const statuses = harness.statusesOf(context);
    expect(statuses.filter((s) => s === "transient_failure")).toHaveLength(1);
    expect(statuses.at(-1)).toBe("completed");
    expect(node.stub.callsOf("cl_getBlocksInRange").map((c) => c.outcome)).toContain("http500");
    expect(node.stub.callsOf("cl_getChainstate").map((c) => c.outcome)).toContain("timeout");
  });

  it("accepts a range at once when the CL does not answer admission's lookups", {
    timeout: 60_000,
  }, async () => {
    // The prover client's default node deadline: one lookup retried would hold the submit ~40 s.
    const slow = await setUpClStf({ chain, timeoutMs: 10_000 });
    try {
      slow.node.stub.handle("cl_getRollupParams", () => new Promise(() => {}));
      const context = contextFor(chain, 2, 4);
      const started = performance.now();
      // Accepted, not refused: the task's steps meet the CL's silence and classify it.
      await slow.harness.submit(context);
      expect(performance.now() - started).toBeLessThan(8_000);
    } finally {
      await slow.close();
    }
  });

  it("an EL node that does not have the EL block yet is waited for, without using up retries; proving goes on once it has", async () => {
    const { harness, node } = setup;
    node.serve({ ...chain, elBlocks: chain.elBlocks.slice(0, 6) }); // the EL node is at block 5
    const context = contextFor(chain, 6, 8);
    await harness.submit(context);
    const failed = await harness.waitForStatus(context, "transient_failure");
    expect(failed).toMatchObject({ phase: "resolve" });
    expect("error" in failed && failed.error).toContain(
      "the EL node has no block 6 yet (its latest is 5), which the L2 block at slot 6 carries: waiting for it",
    );
    expect(failed.retryCount).toBe(0);
    node.serve(chain);
    const record = await harness.waitFor(context);
    expect(record.status).toBe("completed");
  });

  it("an EL node that does not serve a block below its latest (pruned, another chain) fails with retries counted, never waits forever", async () => {
    const { harness, node } = setup;
    const elBlocks = [...chain.elBlocks];
    delete elBlocks[7]; // a hole below the node's latest block
    node.serve({ ...chain, elBlocks });
    const context = contextFor(chain, 7, 8);
    await harness.submit(context);
    const failed = await harness.waitForStatus(context, "permanent_failure");
    expect("error" in failed && failed.error).toContain(
      `the EL node does not serve block 7 (its latest is ${elBlocks.length - 1}), which the L2 block at slot 7 carries`,
    );
    expect(harness.statusesOf(context).filter((s) => s === "transient_failure").length).toBeGreaterThan(1);
    node.serve(chain);
  });
});
