/**
 * A task's fields are text from elsewhere: an error carries what a node, a plugin or a remote
 * prover answered, a context what a submitter sent. Markup in them is shown as the characters it
 * is, never run as part of the page (which holds the operator's token). The server here answers
 * fixed records, as in long-error.test.ts; the whole app is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, failedCheckpoint } from "./fixed-records.js";

/** Markup that runs script if a page inserts it as HTML; `<b>` shows whether any was parsed at all. */
const markup = (where: string) => `<img src="x" onerror="window.__ran = '${where}'"><b>${where}</b>`;

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering(
    failedCheckpoint({
      error: markup("error"),
      attemptError: markup("attempt error"),
      instance: markup("instance"),
      contextNote: markup("context"),
      dependencyNote: markup("dependency"),
    }),
  );
}, 60_000);

afterAll(() => dashboard?.close());

it("shows markup in a task's error, attempts and context as text, and runs none of it", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.openFailedTask();
  await page.locator(".graph-box").waitFor();

  expect(await page.locator("dd.problem").textContent()).toBe(markup("error"));
  expect(await page.locator("table.attempts td.problem").textContent()).toBe(markup("attempt error"));
  expect(await page.locator("table.attempts td.mono").textContent()).toBe(markup("instance"));
  // Not one element was made from the fields' markup, and none of its script ran.
  expect(await page.locator("img, b").count()).toBe(0);
  expect(await page.evaluate("window.__ran")).toBeUndefined();
});
