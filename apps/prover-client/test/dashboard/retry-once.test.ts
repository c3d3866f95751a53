/**
 * A failed task's "Retry" stays busy until the page shows what the retry did. The server here
 * answers the task's status slowly (as one under load does), and the event stream's own refetch
 * (its connection opening, here) overtakes the page's: were the button usable again over the old
 * "permanent failure", an operator who clicks again (it still reads "Retry") would send a second
 * retry, which the server refuses as the task is queued by then, and the page would report a
 * failure after the retry worked. The server answers fixed records; the whole app is in
 * dashboard.test.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint } from "./fixed-records.js";

const failed = failedCheckpoint({ error: "the EL answered HTTP 500" });
const record = failed.paas_getTaskStatus as Record<string, unknown>;
let retries = 0;
let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    paas_getTaskGraph: failed.paas_getTaskGraph,
    // Retried, the task is queued; its status takes a second and a half to read.
    paas_getTaskStatus: async () => {
      if (retries === 0) return record;
      await sleep(1_500);
      return { ...record, status: "queued", error: undefined };
    },
    paas_retryTask: () => {
      retries++;
      if (retries > 1)
        throw new Error(`task ${FAILED_TASK} is queued: only a task that failed can be retried`);
      return { id: FAILED_TASK };
    },
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("keeps Retry busy until the task's new status is shown, so a second click sends nothing", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.openFailedTask();
  const retry = page.locator("button", { hasText: /^Retry/ });
  await retry.click();
  // Clicks go on for as long as the page shows a Retry button that takes them.
  const queued = page.locator('[data-testid="task-status"] .badge', { hasText: "queued" });
  while (!(await queued.isVisible())) {
    if (await retry.isEnabled().catch(() => false)) await retry.click({ timeout: 1_000 }).catch(() => {});
    await sleep(50);
  }
  expect(retries).toBe(1);
  expect(await page.locator(".outcome.problem").count()).toBe(0);
});
