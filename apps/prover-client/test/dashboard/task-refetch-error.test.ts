/**
 * A task's page keeps what it showed when a later fetch of the task fails (the prover client went
 * away, the task was pruned, the database is down), and says that it failed: shown without a word,
 * the old status read as current, as right after a Retry whose outcome said "retried". The server
 * here answers fixed records, the task's status only once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  const records = failedCheckpoint({ error: "the CL refused the proof" });
  let answered = 0;
  dashboard = await dashboardAnswering({
    ...records,
    paas_getTaskStatus: () => {
      if (answered++ > 0) throw new Error("the task database is down");
      return records.paas_getTaskStatus;
    },
    paas_retryTask: {},
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("says when the task could not be fetched again, over the status it showed", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks/${FAILED_TASK}`);
  await page.locator("dd.problem").waitFor();
  await page.locator("button", { hasText: "Retry" }).click();
  await page.locator(".outcome", { hasText: "retried" }).waitFor();
  // The server's answer to the refetch (an internal error), above the facts it could not renew.
  const problem = page.locator("main > p.problem[role=alert]");
  await problem.waitFor({ timeout: 5_000 });
  expect(await problem.textContent()).toContain("internal error");
  expect(await page.getByTestId("task-status").textContent()).toContain("permanent failure");
});
