/**
 * An operator on the keyboard alone: an action that asks before it acts ("Cancel matching") keeps
 * the focus with it. Its question takes the focus (on "No", the answer that changes nothing),
 * Escape takes the question back, and once the action ran the focus is on its button again, not
 * left on the page's body to tab through from the top. The token form an action may open closes
 * with Escape, as Cancel closes it, and changes nothing. The server here answers fixed records; the
 * whole app is in dashboard.test.ts.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitForPage } from "./browser.js";
import { dashboardAnswering, queuedCheckpoint } from "./fixed-records.js";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;
/** Retries the server made: the token is never given, so none. */
let retried = 0;

beforeAll(async () => {
  dashboard = await dashboardAnswering(
    {
      paas_getReport: { kinds: ["checkpoint"], backends: ["native"] },
      paas_cancelTasks: { matched: 1, changed: 1 },
      paas_retryTasks: () => {
        retried++;
        return { matched: 1, changed: 1 };
      },
      paas_listTasks: {
        tasks: [queuedCheckpoint()],
      },
    },
    { token: "keyboard-test-token-0123456789", mutating: ["paas_retryTasks"] },
  );
}, 60_000);

afterAll(() => dashboard?.close());

/** The text of the element with the focus, or its tag when it has none ("BODY"). */
const focused = (page: Page) =>
  page.evaluate("document.activeElement?.textContent?.trim() || document.activeElement?.tagName");

/** Waits (5 s at most) for the focus to be on the element that reads `text`. */
const focusOn = (page: Page, text: string) =>
  waitForPage(page, `document.activeElement?.textContent === ${JSON.stringify(text)}`, 5_000);

it("keeps the focus on a confirmed action's buttons, from the question to the outcome", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks`);
  await page.locator("table.tasks tbody tr").waitFor();
  await page.locator("button", { hasText: "Cancel matching" }).focus();

  await page.keyboard.press("Enter");
  await page.locator("button", { hasText: "Yes, cancel matching" }).waitFor();
  await focusOn(page, "No");
  await page.keyboard.press("Escape");
  await page.locator("button", { hasText: "Yes, cancel matching" }).waitFor({ state: "detached" });
  // The focus comes back in the render after the question goes (a fresh CI run saw it between the two).
  await focusOn(page, "Cancel matching");

  await page.keyboard.press("Enter");
  await focusOn(page, "No");
  await page.keyboard.press("Shift+Tab");
  expect(await focused(page)).toBe("Yes, cancel matching");
  await page.keyboard.press("Enter");
  await page.locator(".outcome.ok", { hasText: "cancelled 1 of 1 matching tasks" }).waitFor();
  await focusOn(page, "Cancel matching");
});

it("closes the token form with Escape, changing nothing, and gives the focus back to the action", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks`);
  await page.locator("table.tasks tbody tr").waitFor();
  await page.locator("button", { hasText: "Retry matching" }).focus();
  await page.keyboard.press("Enter");
  await focusOn(page, "No");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  const form = page.locator('form[aria-label="bearer token"]');
  await form.waitFor();
  await waitForPage(page, "document.activeElement?.getAttribute('name') === 'token'");

  await page.keyboard.press("Escape");
  await form.waitFor({ state: "detached", timeout: 5_000 });
  await page.locator(".outcome.problem", { hasText: "unauthorized" }).waitFor();
  expect(retried).toBe(0);
  await focusOn(page, "Retry matching");
});

it("announces the token form as a modal dialog and keeps Tab within it", { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks`);
  await page.locator("table.tasks tbody tr").waitFor();
  await page.locator("button", { hasText: "Retry matching" }).click();
  await page.locator("button", { hasText: "Yes, retry matching" }).click();
  // A screen reader hears a dialog, with its explanation, and leaves the page behind it alone.
  await page.locator('form[aria-label="bearer token"]').waitFor();
  const dialog = page.getByRole("dialog", { name: "Token needed" });
  expect(await dialog.count()).toBe(1);
  expect(await dialog.getAttribute("aria-modal")).toBe("true");
  expect(await dialog.getAttribute("aria-describedby")).not.toBeNull();
  await waitForPage(page, "document.activeElement?.getAttribute('name') === 'token'");

  // Tab past the last button comes back to the field, Shift+Tab from it goes to the last button:
  // the page's controls under the overlay are never reached unseen.
  const inDialog = () =>
    page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)");
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press("Tab");
    expect(await inDialog()).toBe(true);
  }
  expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe("token");
  await page.keyboard.press("Shift+Tab");
  expect(await focused(page)).toBe("Cancel");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: 5_000 });
  expect(retried).toBe(0);
});
