/**
 * The plugin's host-side steps called directly (no scheduler, no host): what `dependencies` and
 * `fetchInput` read from the nodes, what they hand on, and how they classify failures.
 */
import {
  type DependencyReceipt,
  InvalidConfigError,
  NotYetAvailableError,
  PermanentError,
  PluginSettings,
  type StepContext,
  TransientError,
} from "@paas/core";
import { CL_STF, EVM_EE_STF, ReorgError, toHex } from "@paas/rollup";
import { signReceipt } from "@paas/testing";
import { programIdOf } from "@paas/zkvm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClStfPlugin } from "../src/index.js";
import {
  blockAt,
  buildTestChain,
  contextFor,
  elBlocksIn,
  evmContextFor,
  evmEeStfPublicValues,
  hash,
  OTHER_KEY,
  reseal,
  withBlock,
  withChainstate,
} from "../src/testing.js";
import { ChainNode } from "./fixtures/node.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });
let node: ChainNode;

beforeAll(async () => {
  node = await ChainNode.start(chain);
});
afterAll(async () => {
  await node.close();
});
beforeEach(() => {
  node.serve(chain);
  node.stub.calls.length = 0;
});

function plugin(settings: Record<string, unknown> = {}, timeoutMs?: number): ClStfPlugin {
  const { cl, el } = node.clients(timeoutMs);
  return new ClStfPlugin(cl, el, new PluginSettings({ [CL_STF.kind]: settings }));
}

function step(signal: AbortSignal = new AbortController().signal): StepContext {
  return { taskId: { context: { kind: CL_STF.kind }, backend: "native" }, signal };
}

function evmDependency(start: number, end: number): DependencyReceipt {
  const context = evmContextFor(chain, start, end);
  const publicValues = evmEeStfPublicValues(chain, elBlocksIn(chain, start, end));
  return {
    taskId: { context, backend: "native" },
    receipt: signReceipt(OTHER_KEY, EVM_EE_STF.program, publicValues),
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as Error,
  );
}

describe("dependencies", () => {
  it("is the EVM EE STF of the EL blocks the range carries, checked against the EL node", async () => {
    const dependencies = await plugin().dependencies(contextFor(chain, 9, 16), step());
    expect(dependencies).toEqual([evmContextFor(chain, 9, 16)]);
    expect(node.stub.calls.map((c) => [c.method, c.params])).toEqual(
      expect.arrayContaining([
        ["cl_getRollupParams", []],
        ["cl_getBlocksInRange", [9, 16]],
        ["eth_getBlockByNumber", ["0x9", false]],
        ["eth_getBlockByNumber", ["0x10", false]],
      ]),
    );
  });

  it("fails permanently when the settings' slots_per_epoch disagrees with the CL's params", async () => {
    const error = await failure(
      plugin({ slots_per_epoch: 16 }).dependencies(contextFor(chain, 1, 8), step()),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      "plugin_settings.cl-stf.slots_per_epoch is 16, the CL's rollup params say 8: fix the setting",
    );
  });

  it("a slots_per_epoch shorter than the CL's refuses the CL's own epochs at submit, naming the setting", () => {
    // What a checkpoint's dependencies are: each of them refused, every checkpoint failed with it.
    expect(() => plugin({ slots_per_epoch: 4 }).parseContext(contextFor(chain, 1, 8))).toThrow(
      /\(4 slots per epoch by plugin_settings\.cl-stf\.slots_per_epoch, which must be the CL's\); a CL STF proof covers slots of one epoch$/,
    );
  });
});

describe("fetchInput", () => {
  it("hands the guest the params, the chainstate before the range, its blocks and the EVM EE receipt", async () => {
    const dependency = evmDependency(9, 16);
    const input = await plugin().fetchInput(contextFor(chain, 9, 16), [dependency], step());
    expect(input.params).toEqual(chain.params);
    expect(input.chainstate).toEqual(chain.chainstates[8]);
    expect(input.blocks).toEqual(chain.blocks.slice(8, 16));
    expect(input.evmEeReceipt).toBe(dependency.receipt);
    expect(node.stub.callsOf("cl_getChainstate").map((c) => c.params)).toEqual([[8]]);
  });

  it("reads the genesis chainstate for a range starting at slot 1", async () => {
    const input = await plugin().fetchInput(contextFor(chain, 1, 2), [evmDependency(1, 2)], step());
    expect(input.chainstate).toEqual(chain.chainstates[0]);
  });

  it("fails permanently, naming both ids, when the CL's blocks are no longer the context's (a reorg)", async () => {
    const context = contextFor(chain, 9, 16);
    const reorged = withBlock(chain, 9, reseal(chain, blockAt(chain, 9), { header: { timestamp: 1 } }));
    node.serve(reorged);
    const error = await failure(plugin().fetchInput(context, [evmDependency(9, 16)], step()));
    expect(error).toBeInstanceOf(ReorgError);
    expect(error).toMatchObject({ layer: "CL", end: "start" });
    expect(error.message).toBe(
      `reorg: the CL node's block at slot 9 is ${contextFor(reorged, 9, 9).start.blockId}, not ${context.start.blockId} as the context's start says; the range is no longer canonical`,
    );
  });

  it("waits (not a permanent failure) for a CL that does not have the range's blocks yet, a lagging replica", async () => {
    // The same chain, one epoch behind: a replica behind the one the range was resolved against.
    node.serve(buildTestChain({ slotsPerEpoch: 8, epochs: 1 }));
    const context = contextFor(chain, 9, 16);
    const error = await failure(plugin().fetchInput(context, [evmDependency(9, 16)], step()));
    expect(error).toBeInstanceOf(NotYetAvailableError);
    expect(error.message).toBe("the CL has no blocks for slots 9..16 yet: waiting for them");
    node.serve(chain);
    expect((await plugin().fetchInput(context, [evmDependency(9, 16)], step())).blocks).toHaveLength(8);
  });

  it("retries, counted, a CL that does not serve blocks of an epoch it has closed: it lost them, they will not come", async () => {
    // Epoch 1 has closed (the CL's latest checkpoint is 1), yet its block at slot 12 is gone.
    const blocks = [...chain.blocks];
    delete blocks[11];
    node.serve({ ...chain, blocks });
    const context = contextFor(chain, 9, 16);
    for (const error of [
      await failure(plugin().dependencies(context, step())),
      await failure(plugin().fetchInput(context, [evmDependency(9, 16)], step())),
    ]) {
      expect(error).toBeInstanceOf(TransientError);
      expect(error).not.toBeInstanceOf(NotYetAvailableError);
      expect(error.message).toBe(
        "the CL does not serve the blocks of slots 9..16, though their epoch has closed (its latest checkpoint is 1): cl_getBlocksInRange: L2 block at slot 12 not found (JSON-RPC error -32004)",
      );
    }
  });

  it("waits for, or retries, a CL that serves the range's blocks but not the chainstate before them", async () => {
    // Two calls, possibly two replicas behind one address: the one asked for the chainstate may lag
    // the one that served the blocks. Not a permanent failure, as for the blocks themselves.
    const behind = (slot: number) => {
      const chainstates = [...chain.chainstates];
      delete chainstates[slot];
      return { ...chain, chainstates };
    };
    // The chainstate at slot 8 ends epoch 0, which the CL has closed: lost, retried and counted.
    node.serve(behind(8));
    const lost = await failure(plugin().fetchInput(contextFor(chain, 9, 16), [evmDependency(9, 16)], step()));
    expect(lost).toBeInstanceOf(TransientError);
    expect(lost).not.toBeInstanceOf(NotYetAvailableError);
    expect(lost.message).toBe(
      "the CL does not serve the chainstate at slot 8, though its epoch has closed (its latest checkpoint is 1): cl_getChainstate: chainstate at slot 8 not found (JSON-RPC error -32004)",
    );
    // A CL that has closed epoch 0 only: the chainstate at slot 12 is waited for.
    node.serve({ ...behind(12), blocks: chain.blocks.slice(0, 13) });
    const waiting = await failure(
      plugin().fetchInput(contextFor(chain, 13, 13), [evmDependency(13, 13)], step()),
    );
    expect(waiting).toBeInstanceOf(NotYetAvailableError);
    expect(waiting.message).toBe("the CL has no chainstate at slot 12 yet: waiting for it");
  });

  it("retries, before proving, a CL whose chainstate before the range is not the first block's parent", async () => {
    // Block 9's id is the context's, but the chainstate at slot 8 has another tip: the CL answered
    // from two views (a reorg between the calls, a replica mid-update). Re-reading either finds
    // them consistent or the blocks replaced (a ReorgError); proving would fail the PARENT check.
    const stale = {
      ...chain.chainstates[8]!,
      tip: { ...chain.chainstates[8]!.tip, blockId: hash("another tip") },
    };
    node.serve(withChainstate(chain, 8, stale));
    const error = await failure(
      plugin().fetchInput(contextFor(chain, 9, 16), [evmDependency(9, 16)], step()),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      `the CL's chainstate at slot 8 has tip ${toHex(stale.tip.blockId)} (slot 8), but its block at slot 9 is built on ${toHex(chain.blocks[8]!.header.parentId)}: the CL answered from two views of the chain`,
    );
  });

  it("fails permanently without the EVM EE STF receipt", async () => {
    const error = await failure(plugin().fetchInput(contextFor(chain, 9, 16), [], step()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain("no evm-ee-stf dependency receipt");
  });

  it("classifies CL failures as transient once the call's own retries are spent", async () => {
    node.stub.failNext({ mode: "http500" }, { method: "cl_getChainstate", times: 4 });
    const error = await failure(
      plugin().fetchInput(contextFor(chain, 9, 16), [evmDependency(9, 16)], step()),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain("cl_getChainstate");
  });

  it("passes the step's signal to the CL calls: cancelling aborts a call the CL never answers", async () => {
    node.stub.failNext({ mode: "timeout" }, { method: "cl_getChainstate" });
    const controller = new AbortController();
    const started = performance.now();
    const pending = failure(
      plugin({}, 30_000).fetchInput(
        contextFor(chain, 9, 16),
        [evmDependency(9, 16)],
        step(controller.signal),
      ),
    );
    setTimeout(() => controller.abort(new Error("cancelled")), 50);
    await pending;
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("construction and report", () => {
  it("refuses invalid settings with InvalidConfigError", () => {
    expect(() => plugin({ slots_per_epoch: 0 })).toThrow(InvalidConfigError);
  });

  it("reports the programs and where the epoch check happens", async () => {
    expect(await plugin({ slots_per_epoch: 8 }).report()).toEqual({
      program: `cl-stf@3 ${toHex(programIdOf("cl-stf", "3")).slice(0, 10)}…`,
      verifies: `evm-ee-stf@3 ${toHex(programIdOf("evm-ee-stf", "3")).slice(0, 10)}…`,
      epochCheck: "at submit",
    });
    expect(await plugin().report()).toMatchObject({ epochCheck: "at dependency resolution" });
  });
});
