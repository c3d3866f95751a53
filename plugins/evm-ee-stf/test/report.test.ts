/**
 * `report()`'s highest proven block after a restart, which it learns by reading the completed
 * tasks of its kind: all of them, not the first page (the store lists oldest submitted first, at
 * most 1,000 a page). The handle here serves pages from memory: what is under test is the paging.
 */
import { PluginSettings, type ProverHandle, type TaskPage } from "@paas/core";
import { ElClient, EVM_EE_STF } from "@paas/rollup";
import { expect, it } from "vitest";
import { EvmEeStfPlugin } from "../src/index.js";

const hashOf = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** Completed tasks for blocks `numbers`, in that (submission) order, listed as the store pages them. */
function handleListing(numbers: readonly number[]): ProverHandle {
  const tasks = numbers.map((n) => ({
    taskId: {
      context: {
        kind: EVM_EE_STF.kind,
        start: { number: n, hash: hashOf(n) },
        end: { number: n, hash: hashOf(n) },
      },
      backend: "native",
    },
  }));
  const handle: Pick<ProverHandle, "list" | "onTransition" | "backendFor"> = {
    onTransition: () => () => {},
    backendFor: () => "native",
    async list(filter) {
      const from = filter?.cursor === undefined ? 0 : Number(filter.cursor);
      const limit = Math.min(filter?.limit ?? 100, 1000);
      const next = from + limit;
      return {
        tasks: tasks.slice(from, next),
        ...(next < tasks.length && { nextCursor: String(next) }),
      } as unknown as TaskPage;
    },
  };
  return handle as ProverHandle;
}

it("reports the highest block of every completed task, beyond the first page", async () => {
  // 2,500 tasks; the highest block (3,000) was submitted last but one, on the third page.
  const numbers = [...Array.from({ length: 2_498 }, (_, i) => i + 1), 3_000, 2_499];
  const plugin = new EvmEeStfPlugin(new ElClient({ url: "http://127.0.0.1:9" }), new PluginSettings({}));
  plugin.rpcMethods(handleListing(numbers));
  const report = await plugin.report();
  expect(report.latestProvenBlock).toEqual({ number: 3_000, hash: hashOf(3_000) });
});

it("lets the event loop turn between the pages of its first scan", async () => {
  // SQLite answers on the app's thread: pages served without a turn between them held every RPC
  // answer until the whole scan was done. An immediate queued before the report must run before
  // the scan of three pages ends.
  const numbers = Array.from({ length: 2_500 }, (_, i) => i + 1);
  const plugin = new EvmEeStfPlugin(new ElClient({ url: "http://127.0.0.1:9" }), new PluginSettings({}));
  plugin.rpcMethods(handleListing(numbers));
  const order: string[] = [];
  setImmediate(() => order.push("event loop turned"));
  await plugin.report().then(() => order.push("report"));
  expect(order).toEqual(["event loop turned", "report"]);
});
