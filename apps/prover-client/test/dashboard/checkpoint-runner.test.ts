/**
 * The Checkpoints page says where the checkpoint runner runs, as the checkpoint plugin reports it:
 * on this instance, on another instance of the cluster ("elsewhere"), or off. Read by an instance
 * that does not run it, the runner's error count is null and a stuck checkpoint has neither its
 * resubmissions nor its schedule: unknown here, never 0, "null", NaN or "waits for an operator".
 * The server here answers fixed records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;
/** The checkpoint plugin's report, as the test sets it. */
let checkpoint: Record<string, unknown> = {};

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    paas_getOverview: {
      at: Date.now(),
      tasks: { total: 0, byStatus: {}, byKind: {} },
      throughputPerMinute: 0,
      provingDurations: {},
      queueDepth: 0,
      instances: [],
      cl: { latestCheckpoint: 6, nextUnproven: 4 },
      checkpoints: [],
      attention: [],
    },
    paas_getReport: () => ({ kinds: ["checkpoint"], backends: ["native"], plugins: { checkpoint } }),
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("tells a runner on another instance from one that is off, with what it cannot know as unknown", {
  timeout: 60_000,
}, async () => {
  checkpoint = {
    runner: "elsewhere",
    runnerErrors: null,
    lastError: null,
    stuck: [{ index: 4, status: "cancelled", error: "cancelled by an operator" }],
  };
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/checkpoints`);
  const runner = page.getByTestId("runner");
  await runner.waitFor();
  expect(await runner.textContent()).toContain("runs on another instance of the cluster");
  expect(await runner.textContent()).not.toMatch(/\boff\b|null|NaN|: 0/);
  const row = page.locator('tr[data-stuck="4"]');
  expect(await row.locator("td").allTextContents()).toEqual([
    "4",
    "cancelled",
    "unknown here",
    "unknown here",
    "cancelled by an operator",
  ]);

  checkpoint = { runner: "off", runnerErrors: 0, lastError: null, stuck: [] };
  await page.reload();
  await runner.waitFor();
  expect(await runner.textContent()).toContain("is off on this instance");
  expect(await page.locator("table.stuck").count()).toBe(0);
});
