import { ElClient } from "@paas/rollup";
import { createPluginHarness, createStubRpc, type PluginHarness, type StubRpc } from "@paas/testing";
import { EvmEeStfPlugin } from "../../src/index.js";
import { type ElChainSource, elRpcHandlers } from "../../src/testing.js";

/** A stub EL node serving `source` (an `ExecutionChain`). */
export function startNode(source: ElChainSource): Promise<StubRpc> {
  return createStubRpc(elRpcHandlers(source));
}

export interface HarnessSetup {
  readonly settings?: Record<string, unknown>;
  /** The ElClient's deadline per call. */
  readonly timeoutMs?: number;
}

/** The real scheduler, a real native host (one worker) and the plugin, reading the EL through `node`. */
export function startHarness(node: StubRpc, setup: HarnessSetup = {}): Promise<PluginHarness> {
  return createPluginHarness({
    plugins: [EvmEeStfPlugin],
    overrides: [
      { token: ElClient, useValue: new ElClient({ url: node.url, timeoutMs: setup.timeoutMs ?? 5_000 }) },
    ],
    pluginSettings: { "evm-ee-stf": setup.settings ?? {} },
    workers: 1,
  });
}

/** The error of a task that failed permanently (fails the test otherwise). */
export function errorOf(record: { status: string; error?: string }): string {
  if (record.status !== "permanent_failure")
    throw new Error(`expected a permanent failure, got ${record.status}`);
  return record.error ?? "";
}
