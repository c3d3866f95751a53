/**
 * A task's times are shown in the browser's time zone, and say which: an operator in Kolkata
 * reading a task the servers (and their logs) place at 01:30 UTC sees 7:00 with "GMT+5:30", not a
 * bare 7:00 to take for the servers' clock. The server here answers fixed records; the whole app
 * is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint } from "./fixed-records.js";

const CREATED = Date.parse("2026-12-06T01:30:00Z");
let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  const failed = failedCheckpoint({ error: "the EL answered HTTP 500" });
  dashboard = await dashboardAnswering({
    ...failed,
    paas_getTaskStatus: { ...(failed.paas_getTaskStatus as object), createdAt: CREATED },
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("names the time zone of a task's times", { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.context.newPage();
  // The browser's zone and language, as an operator's machine sets them (through CDP: the
  // context's own options are fixed at launch, for every test's pages).
  const cdp = await dashboard.browser.context.newCDPSession(page);
  await cdp.send("Emulation.setTimezoneOverride", { timezoneId: "Asia/Kolkata" });
  await cdp.send("Emulation.setLocaleOverride", { locale: "en-US" });
  await page.goto(`${dashboard.origin}/#/tasks/${FAILED_TASK}`);
  const created = page
    .locator("dl.facts dt", { hasText: /^created$/ })
    .locator("xpath=following-sibling::dd[1]");
  await created.waitFor();
  expect(await created.textContent()).toMatch(/^Dec 6 7:00:00\s?AM GMT\+5:30$/);
});
