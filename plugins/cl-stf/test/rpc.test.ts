/**
 * With `slots_per_epoch` in the plugin settings: a range crossing an epoch is refused at submit, and
 * `paas_proveClBlocks` submits the CL STF task and its EVM EE STF dependency.
 */
import {
  InvalidContextError,
  InvalidParamsError,
  type PluginRpcMethod,
  TaskNotFoundError,
  UnknownBackendError,
} from "@paas/core";
import { CL_STF, type ClStfOutput, chainstateRoot, EVM_EE_STF, EvmEeStfContextSchema } from "@paas/rollup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVE_CL_BLOCKS, type ProveClBlocksResult } from "../src/index.js";
import { buildTestChain, contextFor, evmContextFor } from "../src/testing.js";
import { type ClStfSetup, setUpClStf } from "./fixtures/harness.js";

const chain = buildTestChain({ slotsPerEpoch: 8, epochs: 2 });
let setup: ClStfSetup;
let method: PluginRpcMethod;

beforeAll(async () => {
  setup = await setUpClStf({ chain, pluginSettings: { slots_per_epoch: 8 } });
  method = setup.harness.service.rpcMethods().get(PROVE_CL_BLOCKS)!;
});
afterAll(async () => {
  await setup.close();
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as Error,
  );
}

describe("with slots_per_epoch configured", () => {
  it("refuses a range crossing an epoch boundary at submit time, storing nothing", async () => {
    const error = await refusal(setup.harness.submit(contextFor(chain, 7, 10)));
    expect(error).toBeInstanceOf(InvalidContextError);
    expect(error.message).toBe(
      "invalid cl-stf context: end.slot: the range 7..10 crosses an epoch boundary: slot 7 is in epoch 0 (slots 1..8), slot 10 in epoch 1 (slots 9..16) (8 slots per epoch by plugin_settings.cl-stf.slots_per_epoch, which must be the CL's); a CL STF proof covers slots of one epoch",
    );
    expect((await setup.harness.service.list({ kind: CL_STF.kind })).tasks).toEqual([]);
  });
});

describe(PROVE_CL_BLOCKS, () => {
  it("is a mutating method", () => {
    expect(method.mutates).toBe(true);
  });

  it("submits the CL STF task and its EVM EE STF dependency, and returns both task ids", async () => {
    const result = (await method.handler([9, 16])) as ProveClBlocksResult;
    const context = contextFor(chain, 9, 16);
    const dependency = evmContextFor(chain, 9, 16);
    // The answer of every plugin's proving methods: { id, created, task }, and the dependencies so.
    expect(result).toMatchObject({
      id: setup.harness.keyOf(context),
      created: true,
      task: { kind: CL_STF.kind, taskId: { context, backend: "native" } },
      dependencies: [
        {
          id: setup.harness.keyOf(dependency),
          created: true,
          task: { kind: EVM_EE_STF.kind, taskId: { context: dependency, backend: "native" } },
        },
      ],
    });
    const record = await setup.harness.waitFor(context);
    expect(record.status).toBe("completed");
    const { output } = await setup.harness.prove<ClStfOutput>(context);
    expect(output?.finalChainstateRoot).toEqual(chainstateRoot(chain.chainstates[16]!));

    // Idempotent: the same call names the same tasks, now completed.
    const again = (await method.handler([9, 16, "native"])) as ProveClBlocksResult;
    expect(again).toMatchObject({ id: result.id, created: false, task: { status: "completed" } });
    expect(again.dependencies[0]).toMatchObject({ id: result.dependencies[0]!.id, created: false });
  });

  it("submits the dependency on its own kind's backend, where the CL STF task's resolution needs it", async () => {
    const split = await setUpClStf({
      chain,
      pluginSettings: { slots_per_epoch: 8 },
      kindBackends: { [EVM_EE_STF.kind]: "evm-machines" },
    });
    try {
      const prove = split.harness.service.rpcMethods().get(PROVE_CL_BLOCKS)!;
      const result = (await prove.handler([1, 8])) as ProveClBlocksResult;
      expect(result.task.taskId.backend).toBe("native");
      expect(result.dependencies[0]!.task.taskId.backend).toBe("evm-machines");
      expect((await split.harness.waitFor(contextFor(chain, 1, 8))).status).toBe("completed");
      // The one EVM EE STF task there is: the call's, which the resolution found and waited on.
      const evm = await split.harness.service.list({ kind: EVM_EE_STF.kind });
      expect(evm.tasks.map((task) => task.id)).toEqual([result.dependencies[0]!.id]);
    } finally {
      await split.close();
    }
  });

  it.each([
    [["9", 16], "✖ startSlot: a slot number (a non-negative integer or 0x quantity)\n  → at [0]"],
    [[0, 3], "✖ startSlot: slot 0 is the genesis block, never proven\n  → at [0]"],
    [[5, 3], "✖ endSlot must not be before startSlot\n  → at [1]"],
    [[1, 70_000], "✖ startSlot..endSlot are 70000 slots, more than 65536 per proof\n  → at [1]"],
    [[1], "✖ expected [startSlot, endSlot] or [startSlot, endSlot, backend]"],
    [[1, 2, "native", 4], "✖ expected [startSlot, endSlot] or [startSlot, endSlot, backend]"],
    [{ start: 1, end: 2 }, "✖ expected [startSlot, endSlot] or [startSlot, endSlot, backend]"],
    [[1, 2, ""], "✖ backend: a backend name of 1 to 32 characters\n  → at [2]"],
    [[1, 2, "b".repeat(33)], "✖ backend: a backend name of 1 to 32 characters\n  → at [2]"],
  ])("refuses params %j with InvalidParamsError, in the words every plugin uses", async (params, message) => {
    const error = await refusal(method.handler(params));
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error.message).toBe(`paas_proveClBlocks: ${message}`);
  });

  it("takes slots as 0x quantities too, as the other plugins' methods take numbers", async () => {
    const result = (await method.handler(["0x3", "0x4"])) as ProveClBlocksResult;
    expect(result.task.taskId.context).toEqual(contextFor(chain, 3, 4));
  });

  it("refuses a range crossing an epoch boundary, by the CL's params", async () => {
    const error = await refusal(method.handler([6, 12]));
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error.message).toContain(
      "the range 6..12 crosses an epoch boundary: slot 6 is in epoch 0 (slots 1..8), slot 12 in epoch 1 (slots 9..16)",
    );
  });

  it("refuses slots the CL does not have yet", async () => {
    const error = await refusal(method.handler([17, 20]));
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error.message).toMatch(/the CL has no blocks for slots 17\.\.20 \(yet\)/);
  });

  it("refuses, storing nothing, an epoch whose EL blocks the EVM EE STF kind will not take as one task", async () => {
    // The EVM EE STF kind takes at most 4 blocks a task (its max_blocks); an epoch here has 8.
    const tooLong = "invalid evm-ee-stf context: blocks 9..16 are 8 blocks, more than max_blocks = 4";
    const capped = await setUpClStf({
      chain,
      pluginSettings: { slots_per_epoch: 8 },
      standIn: {
        parseContext: (raw) => {
          const context = EvmEeStfContextSchema.parse(raw);
          if (context.end.number - context.start.number + 1 > 4) throw new InvalidContextError(tooLong);
          return context;
        },
      },
    });
    try {
      const prove = capped.harness.service.rpcMethods().get(PROVE_CL_BLOCKS)!;
      const error = await refusal(prove.handler([9, 16]));
      expect(error).toBeInstanceOf(InvalidParamsError);
      expect(error.message).toBe(
        `paas_proveClBlocks: the EL blocks of slots 9..16 cannot be proven as one evm-ee-stf task, which a CL STF proof needs: ${tooLong}`,
      );
      expect((await capped.harness.service.list({})).tasks).toEqual([]);
    } finally {
      await capped.close();
    }
  });

  it("refuses, storing nothing, a range of the CL's epoch that the settings' slots_per_epoch splits", async () => {
    // The CL's epochs have 8 slots, the setting says 4: slots 1..8 are the CL's epoch 0, which the
    // CL STF task's own submission refuses. The dependency must not be left behind by the refusal.
    const misconfigured = await setUpClStf({ chain, pluginSettings: { slots_per_epoch: 4 } });
    try {
      const prove = misconfigured.harness.service.rpcMethods().get(PROVE_CL_BLOCKS)!;
      const error = await refusal(prove.handler([1, 8]));
      expect(error).toBeInstanceOf(InvalidParamsError);
      expect(error.message).toBe(
        "paas_proveClBlocks: plugin_settings.cl-stf.slots_per_epoch is 4, the CL's rollup params say 8: fix the setting",
      );
      expect((await misconfigured.harness.service.list({})).tasks).toEqual([]);
    } finally {
      await misconfigured.close();
    }
  });

  it("refuses an unknown backend, storing nothing", async () => {
    const error = await refusal(method.handler([1, 2, "sp1"]));
    expect(error).toBeInstanceOf(UnknownBackendError);
    // Not even the dependency, which would have gone to its own kind's backend.
    const dependency = setup.harness.keyOf(evmContextFor(chain, 1, 2));
    expect(await refusal(setup.harness.service.status(dependency))).toBeInstanceOf(TaskNotFoundError);
  });
});
