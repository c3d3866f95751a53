/**
 * A geth node: `debug_executionWitness` gives ancestor headers as JSON objects (reth gives RLP
 * hex). Both prove the same blocks; a header object whose fields do not hash to its `hash` is
 * refused naming the header.
 */
import { buildMixedChain, type MixedChain } from "@paas/evm/testing";
import type { EvmEeStfOutput } from "@paas/rollup";
import { createStubRpc, type PluginHarness, type StubRpc } from "@paas/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { contextForBlocks, elRpcHandlers } from "../src/testing.js";
import { errorOf, startHarness } from "./support/harness.js";

let chain: MixedChain;
let node: StubRpc;
let harness: PluginHarness;

beforeAll(async () => {
  chain = await buildMixedChain();
  node = await createStubRpc(elRpcHandlers(chain.chain, { witnessHeaders: "json" }));
  harness = await startHarness(node);
});
afterAll(async () => {
  await harness?.close();
  await node?.close();
});

it("proves blocks whose witnesses carry header objects, as geth serves them", async () => {
  const served = elRpcHandlers(chain.chain, { witnessHeaders: "json" }).debug_executionWitness!(["0x3"]);
  expect((served as { headers: unknown[] }).headers[0]).toMatchObject({
    number: "0x2",
    hash: chain.blocks[1]!.hash,
  });
  const context = contextForBlocks(chain.blocks[0]!, chain.blocks[3]!);
  const { record, output } = await harness.prove<EvmEeStfOutput>(context);
  expect(record.status).toBe("completed");
  expect(output?.blocks.map((b) => b.number)).toEqual([1, 2, 3, 4]);
});

it("refuses a header object that does not hash to its hash field, naming it", async () => {
  const honest = elRpcHandlers(chain.chain, { witnessHeaders: "json" });
  node.handle("debug_executionWitness", (params) => {
    const witness = honest.debug_executionWitness!(params) as { headers: Record<string, unknown>[] };
    const [first, ...rest] = witness.headers;
    return { ...witness, headers: [{ ...first, gasUsed: "0x1" }, ...rest] };
  });
  const { record } = await harness.prove(contextForBlocks(chain.blocks[4]!));
  expect(errorOf(record)).toMatch(/result\.headers\[0\]: header does not hash to its hash field/);
});
