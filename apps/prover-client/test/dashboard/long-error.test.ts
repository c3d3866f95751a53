/**
 * A failed task's page with an error as long as core keeps (4,000 characters) and without a space
 * in it (a hex blob, a node's answer, a canonical JSON context): the page stays as wide as the
 * window, the error wrapped, rather than one line thousands of pixels wide that pushes everything
 * beside it off screen. The server here answers fixed records; the whole app is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { screenshot } from "./browser.js";
import { dashboardAnswering, failedCheckpoint } from "./fixed-records.js";

/** As long as core stores an error, and without a place to break it. */
const ERROR = `node answered 0x${"ab".repeat(1_999)}`;

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering(failedCheckpoint({ error: ERROR }));
}, 60_000);

afterAll(() => dashboard?.close());

it("keeps a failed task's page as wide as the window when its error has no space", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.openFailedTask();
  await screenshot(page, "long-error");
  const { scrollWidth, innerWidth } = (await page.evaluate(
    "({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })",
  )) as { scrollWidth: number; innerWidth: number };
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  // The whole error is still there to read (and to copy).
  expect(await page.locator("dd.problem").textContent()).toBe(ERROR);
});
