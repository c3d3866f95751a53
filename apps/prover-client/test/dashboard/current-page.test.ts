/**
 * The header's tabs say which page is open to a screen reader too (`aria-current`), not by their
 * colour alone. The server here answers fixed records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    ...failedCheckpoint({ error: "the CL refused the proof" }),
    paas_getReport: { kinds: ["checkpoint"], backends: ["native"] },
    paas_listTasks: { tasks: [] },
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("marks the open page's tab as the current one", { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.context.newPage();
  const current = () =>
    page.evaluate("[...document.querySelectorAll('nav a[aria-current=page]')].map((a) => a.textContent)");
  await page.goto(`${dashboard.origin}/#/tasks`);
  await page.locator("text=No task matches.").waitFor();
  expect(await current()).toEqual(["Tasks"]);
  // A task's page is within the task list's section.
  await page.goto(`${dashboard.origin}/#/tasks/${FAILED_TASK}`);
  await page.locator("dd.problem").waitFor();
  expect(await current()).toEqual(["Tasks"]);
});
