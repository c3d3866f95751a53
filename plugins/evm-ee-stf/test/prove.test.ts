import { InvalidContextError, InvalidParamsError, type PluginRpcMethod, type TaskRecord } from "@paas/core";
import { chainSpecHash, devnetChainSpec } from "@paas/evm";
import { buildMixedChain, type MixedChain } from "@paas/evm/testing";
import { EVM_EE_STF, type EvmEeStfOutput, EvmEeStfOutputSsz, toHex } from "@paas/rollup";
import type { PluginHarness, StubRpc } from "@paas/testing";
import { programIdOf, verifyReceipt } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextForBlocks } from "../src/testing.js";
import { startHarness, startNode } from "./support/harness.js";

describe("proving EL ranges through the scheduler", () => {
  let chain: MixedChain;
  let node: StubRpc;
  let harness: PluginHarness;
  let proveElBlocks: PluginRpcMethod;

  beforeAll(async () => {
    chain = await buildMixedChain();
    node = await startNode(chain.chain);
    harness = await startHarness(node, { settings: { max_blocks: 4 } });
    proveElBlocks = harness.service.rpcMethods().get("paas_proveElBlocks")!;
  });
  afterAll(async () => {
    await harness?.close();
    await node?.close();
  });

  const commitmentsOf = (from: number, to: number) =>
    chain.blocks.slice(from - 1, to).map((b) => ({
      number: Number(b.block.header.number),
      hash: toHex(b.block.hash()),
      parentHash: toHex(b.block.header.parentHash),
      stateRoot: toHex(b.block.header.stateRoot),
    }));
  const asHex = (output: EvmEeStfOutput) =>
    output.blocks.map((b) => ({
      number: b.number,
      hash: toHex(b.hash),
      parentHash: toHex(b.parentHash),
      stateRoot: toHex(b.stateRoot),
    }));

  it("proves one block: the output is the block's commitment, the receipt verifies", async () => {
    const context = contextForBlocks(chain.blocks[2]!);
    const { record, receipt, output } = await harness.prove<EvmEeStfOutput>(context);
    expect(record.status).toBe("completed");
    expect(asHex(output!)).toEqual(commitmentsOf(3, 3));
    // The rules it executed under: the plugin's settings (default chain 1337, the chain's own).
    expect(output!.chainId).toBe(1337);
    verifyReceipt(receipt!, {
      programId: programIdOf(EVM_EE_STF.program.name, EVM_EE_STF.program.version),
      version: EVM_EE_STF.program.version,
      proofType: EVM_EE_STF.program.proofType,
      publicKey: harness.publicKey,
    });
    // The public values are exactly the SSZ serialisation of the output.
    expect(receipt!.publicValues).toEqual(EvmEeStfOutputSsz.serialize(output!));
  });

  it("proves a range of four blocks in one task, linked by parent hash", async () => {
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[4]!);
    const { record, output } = await harness.prove<EvmEeStfOutput>(context);
    expect(record.status).toBe("completed");
    expect(asHex(output!)).toEqual(commitmentsOf(2, 5));
    const { blocks } = output!;
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.parentHash).toEqual(blocks[i - 1]!.hash);
  });

  it("paas_proveElBlocks looks the hashes up, submits, and is idempotent", async () => {
    expect(proveElBlocks.mutates).toBe(true);
    const first = (await proveElBlocks.handler([1, "0x2"])) as {
      id: string;
      created: boolean;
      task: TaskRecord;
    };
    expect(first.created).toBe(true);
    expect(first.task.taskId.context).toEqual(contextForBlocks(chain.blocks[0]!, chain.blocks[1]!));
    expect(first.task.backend).toBe("native");
    const done = await harness.service.wait(first.id, { timeoutMs: 60_000 });
    expect(done.status).toBe("completed");
    const again = (await proveElBlocks.handler([1, 2, "native"])) as { id: string; created: boolean };
    expect(again).toMatchObject({ id: first.id, created: false });
  });

  it("paas_proveElBlocks refuses bad params with InvalidParamsError saying what is wrong", async () => {
    const cases: [unknown, RegExp][] = [
      [[3, 1], /end must not be before start\n {2}→ at \[1\]/],
      [[1], /expected \[start, end\] or \[start, end, backend\]/],
      [{ start: 1, end: 2 }, /^paas_proveElBlocks: ✖ expected \[start, end\]/],
      [[-1, 2], /start: a block number \(a non-negative integer or 0x quantity\)\n {2}→ at \[0\]/],
      [[0, 2], /^paas_proveElBlocks: ✖ start: block 0 is the genesis block, never proven\n {2}→ at \[0\]$/],
      [[1, 2.5], /end: a block number/],
      [["one", 2], /start: a block number/],
      // Strings that are not numbers say so, and only so: no comparison of raw text as well.
      [
        ["9", "16"],
        /^paas_proveElBlocks: ✖ start: a block number[^\n]*\n {2}→ at \[0\]\n✖ end: a block number[^\n]*\n {2}→ at \[1\]$/,
      ],
      [["0x" + "f".repeat(14), "0x" + "f".repeat(14)], /start: a block number/],
      [[1, 5], /start\.\.end are 5 blocks, more than max_blocks = 4 per proof/],
      [[5, 7], /has no block 7/],
      [[1, 2, 7], /backend: a backend name of 1 to 32 characters\n {2}→ at \[2\]/],
      [[1, 2, "b".repeat(100)], /backend: a backend name of 1 to 32 characters/],
    ];
    for (const [params, message] of cases) {
      const error = await proveElBlocks.handler(params).catch((e: unknown) => e);
      expect(error, JSON.stringify(params)).toBeInstanceOf(InvalidParamsError);
      expect((error as Error).message, JSON.stringify(params)).toMatch(message);
    }
  });

  it("refuses invalid contexts at submit time, naming the field", async () => {
    const good = contextForBlocks(chain.blocks[0]!, chain.blocks[1]!);
    const cases: [unknown, RegExp][] = [
      [
        { ...good, start: good.end, end: good.start },
        /start\.number must not exceed end\.number\n {2}→ at end\.number/,
      ],
      [
        { ...good, start: { ...good.start, hash: "0x12" } },
        /expected 0x-prefixed hex of 32 bytes.*\n {2}→ at start\.hash/,
      ],
      [{ ...good, extra: 1 }, /Unrecognized key.*extra|extra/],
      [{ ...good, start: { number: 0, hash: good.start.hash } }, /block 0 is the genesis block/],
      [contextForBlocks(chain.blocks[0]!, chain.blocks[4]!), /5 blocks, more than max_blocks = 4/],
    ];
    for (const [context, message] of cases) {
      const error = await harness.submit(context as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(context)).toBeInstanceOf(InvalidContextError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("keeps the canonical form: upper-case hashes name the same task", async () => {
    const context = contextForBlocks(chain.blocks[2]!);
    const upper = {
      ...context,
      start: { ...context.start, hash: context.start.hash.toUpperCase().replace("0X", "0x") },
    };
    const record = await harness.submit(upper as never);
    expect(record.id).toBe(harness.keyOf(context));
  });

  it("reports the latest EL block proven", async () => {
    const reports = await harness.service.pluginReports();
    expect(reports[EVM_EE_STF.kind]).toMatchObject({
      latestProvenBlock: { number: 5, hash: chain.blocks[4]!.hash },
      chainSpec: { source: "devnet", hash: chainSpecHash(devnetChainSpec()), spec: devnetChainSpec() },
      maxBlocks: 4,
      // Named as this process's: in a cluster the fetches are spread over the instances proving.
      lastFetchOnThisInstance: { witnessBytes: expect.any(Number), fetchMs: expect.any(Number) },
    });
  });
});
