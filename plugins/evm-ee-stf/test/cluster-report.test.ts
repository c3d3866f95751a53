/**
 * The report read from an instance that is not the one proving: two instances on one PostgreSQL
 * database, the second claiming nothing (`claim.kinds`), as a dashboard host or an instance kept
 * for other proof types would. Its report shows what the first proved, before and after its own
 * first report.
 */
import { createTestDatabase } from "@paas/core/testing";
import { buildMixedChain } from "@paas/evm/testing";
import { ElClient } from "@paas/rollup";
import { createPluginHarness, type PluginHarness, type StubRpc } from "@paas/testing";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { EvmEeStfPlugin } from "../src/index.js";
import { contextForBlocks } from "../src/testing.js";
import { startNode } from "./support/harness.js";

const postgres = inject("postgres");

describe.runIf(postgres.url !== undefined)("the report on an instance that does not prove the kind", () => {
  it("shows the highest block another instance proved, after its own first report", async () => {
    const chain = await buildMixedChain();
    const node: StubRpc = await startNode(chain.chain);
    const { location } = await createTestDatabase("postgres", postgres);
    const instance = (claim?: { kinds: string[] }): Promise<PluginHarness> =>
      createPluginHarness({
        plugins: [EvmEeStfPlugin],
        overrides: [{ token: ElClient, useValue: new ElClient({ url: node.url }) }],
        database: location,
        workers: 1,
        ...(claim && { claim }),
      });
    const prover = await instance();
    const reader = await instance({ kinds: [] });
    onTestFinished(async () => {
      await reader.close();
      await prover.close();
      await node.close();
    });
    const report = async () => (await reader.service.pluginReports())["evm-ee-stf"]!;

    for (const block of chain.blocks.slice(1, 3)) {
      const context = contextForBlocks(block);
      expect((await prover.prove(context)).record.status).toBe("completed");
      expect((await report()).latestProvenBlock).toEqual(context.end);
    }
  });
});
