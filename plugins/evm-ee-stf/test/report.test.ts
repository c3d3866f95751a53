/**
 * `report()`'s highest proven block, which it learns by reading the completed tasks of its kind
 * (whichever instance completed them): all of them at the first report, not the first page (at
 * most 1,000 a page), then only what completed since. The handle here serves pages from memory:
 * what is under test is the paging and where each read starts.
 */
import { PluginSettings, type ProverHandle, type TaskPage } from "@paas/core";
import { ElClient, EVM_EE_STF } from "@paas/rollup";
import { expect, it } from "vitest";
import { EvmEeStfPlugin } from "../src/index.js";

const hashOf = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** The completed tasks a handle lists: blocks proven, each at its completion time. */
type Completions = { number: number; at: number }[];

/**
 * Completed tasks for blocks `numbers`, completed in that order a millisecond apart, listed as the
 * store pages them; `since` records where each read started.
 */
function handleListing(
  numbers: readonly number[],
  since: number[] = [],
): ProverHandle & { completed: Completions } {
  const completed: Completions = numbers.map((number, i) => ({ number, at: 1_000_000 + i }));
  const handle: Pick<ProverHandle, "listCompleted" | "onTransition" | "backendFor"> & {
    completed: Completions;
  } = {
    completed,
    onTransition: () => () => {},
    backendFor: () => "native",
    async listCompleted(filter) {
      if (filter.cursor === undefined) since.push(filter.since ?? 0);
      const from = filter.cursor === undefined ? 0 : Number(filter.cursor);
      const limit = Math.min(filter.limit ?? 100, 1000);
      const matching = completed.filter((c) => c.at >= (filter.since ?? 0));
      const next = from + limit;
      const tasks = matching.slice(from, next).map(({ number, at }) => ({
        taskId: {
          context: {
            kind: EVM_EE_STF.kind,
            start: { number, hash: hashOf(number) },
            end: { number, hash: hashOf(number) },
          },
          backend: "native",
        },
        updatedAt: at,
      }));
      return { tasks, ...(next < matching.length && { nextCursor: String(next) }) } as unknown as TaskPage;
    },
  };
  return handle as ProverHandle & { completed: Completions };
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

it("reads again only what completed lately, not every completed task", async () => {
  // Another instance proves block 5,000 long after the first report: the next report shows it,
  // having read from a minute before the last completion it saw, not from the start.
  const since: number[] = [];
  const numbers = Array.from({ length: 2_500 }, (_, i) => i + 1);
  const handle = handleListing(numbers, since);
  const plugin = new EvmEeStfPlugin(new ElClient({ url: "http://127.0.0.1:9" }), new PluginSettings({}));
  plugin.rpcMethods(handle);
  await plugin.report();
  const last = handle.completed[handle.completed.length - 1]!.at;
  handle.completed.push({ number: 5_000, at: last + 120_000 });
  const report = await plugin.report();
  expect(report.latestProvenBlock).toEqual({ number: 5_000, hash: hashOf(5_000) });
  expect(since).toEqual([0, last - 60_000]);
});
