/**
 * The Checkpoints page says where the checkpoint runner runs, as the checkpoint plugin reports it:
 * on this instance, on another instance of the cluster ("elsewhere"), or off. Read by an instance
 * that does not run it, the runner's error count is null and a stuck checkpoint has neither its
 * resubmissions nor its schedule: unknown here, never 0, "null", NaN or "waits for an operator".
 * The server here answers fixed records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { screenshot } from "./browser.js";
import { dashboardAnswering } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;
/** The checkpoint plugin's report, as the test sets it. */
let checkpoint: Record<string, unknown> = {};

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    paas_getOverview: {
      at: Date.now(),
      tasks: { total: 0, byStatus: {}, byKind: {}, waiting: 0, waitingByKind: {} },
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

it("says since when the runner's ticks fail and when it tries next, with the error", {
  timeout: 60_000,
}, async () => {
  const since = Date.parse("2026-03-01T10:00:00Z");
  const nextTryAt = Date.parse("2026-03-01T12:00:30Z");
  checkpoint = {
    runner: "on",
    runnerErrors: 250,
    outage: {
      since: new Date(since).toISOString(),
      failedTicks: 250,
      nextTryAt: new Date(nextTryAt).toISOString(),
    },
    lastError: "cl_getLatestCheckpointIndex: fetch failed (the CL is down)",
    // The cancelled checkpoint the CL waits on stays in view through the outage.
    stuck: [{ index: 4, status: "cancelled", error: "cancelled by an operator", retries: 0 }],
  };
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/checkpoints`);
  await page.getByTestId("runner").waitFor();
  // Drawn with the runner's line, from the same report.
  const outage = page.getByTestId("runner-outage");
  expect(await outage.count()).toBe(1);
  // The page's own time format (the browser's zone), as every other time on it.
  const shown = (ms: number) =>
    page.evaluate(
      (at) =>
        `${new Date(at).toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${new Date(at).toLocaleTimeString(undefined, { timeZoneName: "short" })}`,
      ms,
    );
  const text = await outage.textContent();
  expect(text).toContain(`since ${await shown(since)}`);
  expect(text).toContain(`250 in a row`);
  expect(text).toContain(`next try at ${await shown(nextTryAt)}`);
  expect(text).toContain("the CL is down");
  expect(await page.locator('tr[data-stuck="4"] td').allTextContents()).toEqual([
    "4",
    "cancelled",
    "0",
    "none: waits for an operator",
    "cancelled by an operator",
  ]);
  await screenshot(page, "checkpoints-runner-outage");

  checkpoint = { ...checkpoint, outage: null, lastError: "cl_getLatestCheckpointIndex: fetch failed" };
  await page.reload();
  await page.getByTestId("runner").waitFor();
  expect(await outage.count()).toBe(0);
});
