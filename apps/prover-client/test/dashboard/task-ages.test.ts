/**
 * The task list's "last change" column counts on while nothing happens: a task stuck for an hour
 * must not read "0 ms ago" because no transition has redrawn the page since it loaded. The server
 * here answers fixed records and sends no event; the whole app is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, queuedCheckpoint } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    paas_getReport: { kinds: ["checkpoint"], backends: ["native"] },
    paas_listTasks: {
      tasks: [queuedCheckpoint()],
    },
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("ages the task list's last change as time passes, without an event or a reload", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks`);
  const lastChange = page.locator("table.tasks tbody tr td:nth-child(7)");
  await lastChange.waitFor();
  const seconds = async () => {
    const text = (await lastChange.textContent()) ?? "";
    const match = /^(\d+) ms ago$|^(\d+\.\d) s ago$/.exec(text);
    if (match === null) throw new Error(`"${text}" is no age in ms or s`);
    return match[1] !== undefined ? Number(match[1]) / 1_000 : Number(match[2]);
  };
  const before = await seconds();
  await page.waitForTimeout(3_000);
  expect(await seconds()).toBeGreaterThanOrEqual(before + 2);
});
