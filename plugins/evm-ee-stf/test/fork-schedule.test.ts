import { PluginSettings, type ProofReceipt } from "@paas/core";
import { chainSpecHash } from "@paas/evm";
import { buildForkChain, FORK_CHAIN_PRAGUE_TIME, type ForkChain, forkChainSpec } from "@paas/evm/testing";
import type { EvmEeStfOutput } from "@paas/rollup";
import { ElClient, toHex } from "@paas/rollup";
import type { StubRpc } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvmEeStfPlugin } from "../src/index.js";
import { contextForBlocks } from "../src/testing.js";
import { errorOf, startHarness, startNode } from "./support/harness.js";

/** The chain spec as an operator writes it: geth's config keys, in an inline table. */
const cancunThenPrague = (pragueTime: number | undefined) => ({
  chainId: 1337,
  terminalTotalDifficulty: 0,
  shanghaiTime: 0,
  cancunTime: 0,
  ...(pragueTime !== undefined && { pragueTime }),
});

describe("a range across a fork boundary (Cancun, then Prague from block 3)", () => {
  let fork: ForkChain;
  let node: StubRpc;

  beforeAll(async () => {
    fork = await buildForkChain();
    node = await startNode(fork.chain);
  });
  afterAll(async () => {
    await node?.close();
  });

  const range = () => contextForBlocks(fork.blocks[0]!, fork.blocks[4]!);

  it("is proven under the chain's spec, each block under its own fork, and the output names the spec", async () => {
    const harness = await startHarness(node, {
      settings: { chain_spec: cancunThenPrague(FORK_CHAIN_PRAGUE_TIME) },
    });
    try {
      const { record, output } = await harness.prove<EvmEeStfOutput>(range());
      expect(record.status).toBe("completed");
      expect(output!.blocks.map((b) => toHex(b.stateRoot))).toEqual(fork.blocks.map((b) => b.stateRoot));
      expect(toHex(output!.chainSpecHash)).toBe(chainSpecHash(forkChainSpec()));
    } finally {
      await harness.close();
    }
  });

  const refusals = [
    [
      "Prague from genesis",
      0,
      /INVALID_BLOCK: block #0 of the range: block RLP does not decode: invalid header\. requestsHash should be provided; its header has the 20 fields of a cancun block, but the chain spec puts its timestamp 1700000012 under prague \(shanghaiTime = 0, cancunTime = 0, pragueTime = 0\): is the spec's fork schedule the chain's\?/,
    ],
    [
      "no Prague",
      undefined,
      /INVALID_BLOCK: block #2 of the range: block RLP does not decode: requestsHash can only be provided with EIP 7685 activated; its header has the 21 fields of a prague block, but the chain spec puts its timestamp 1700000036 under cancun \(shanghaiTime = 0, cancunTime = 0\): is the spec's fork schedule the chain's\?/,
    ],
  ] as const;
  it("calls a proof made under another chain spec stale, naming both specs, so its dependents have it proven again", async () => {
    const wrong = cancunThenPrague(undefined);
    const harness = await startHarness(node, { settings: { chain_spec: wrong } });
    let receipt: ProofReceipt;
    try {
      // The range's first blocks are Cancun's under either schedule: proven under the wrong one.
      ({ receipt } = (await harness.prove(contextForBlocks(fork.blocks[0]!, fork.blocks[1]!))) as {
        receipt: ProofReceipt;
      });
    } finally {
      await harness.close();
    }
    const configured = (chainSpec: object) =>
      new EvmEeStfPlugin(
        new ElClient({ url: node.url }),
        new PluginSettings({ "evm-ee-stf": { chain_spec: chainSpec } }),
      );
    const before = configured(wrong);
    expect(before.staleProofReason(receipt)).toBeUndefined();
    const corrected = configured(cancunThenPrague(FORK_CHAIN_PRAGUE_TIME));
    const [was, now] = [before, corrected].map((plugin) => chainSpecHash(plugin.settings.chainSpec));
    expect(was).not.toBe(now);
    expect(corrected.staleProofReason(receipt)).toBe(
      `proven under chain spec ${was}, configured now ${now} (inline)`,
    );
  });

  it("refuses at submit a range before the merge by its number, before the node has its blocks", async () => {
    // A chain that merges at block 8, whose node is at block 5: blocks 6..7 are not produced yet,
    // but whatever they will be, they are proof-of-work blocks, and waiting for them gains nothing.
    const mergesLater = {
      ...cancunThenPrague(FORK_CHAIN_PRAGUE_TIME),
      terminalTotalDifficulty: "1000",
      mergeForkBlock: 8,
    };
    const harness = await startHarness(node, { settings: { chain_spec: mergesLater } });
    try {
      const hash = `0x${"ee".repeat(32)}`;
      const premerge = { kind: "evm-ee-stf", start: { number: 6, hash }, end: { number: 7, hash } };
      await expect(harness.submit(premerge)).rejects.toThrow(
        "invalid evm-ee-stf context: start.number: block 6 is before the merge (the chain spec's mergeForkBlock is 8); " +
          "pre-merge rules are out of scope: start at block 8 or later",
      );
      expect(harness.statusesOf(premerge)).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  for (const [schedule, pragueTime, message] of refusals) {
    it(`is refused under the wrong schedule: ${schedule}`, async () => {
      const harness = await startHarness(node, { settings: { chain_spec: cancunThenPrague(pragueTime) } });
      try {
        const { record } = await harness.prove(range());
        expect(errorOf(record)).toMatch(message);
      } finally {
        await harness.close();
      }
    });
  }
});
