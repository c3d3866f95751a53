/**
 * A failed task's page with an error as long as core keeps (4,000 characters) and without a space
 * in it (a hex blob, a node's answer, a canonical JSON context): the page stays as wide as the
 * window, the error wrapped, rather than one line thousands of pixels wide that pushes everything
 * beside it off screen. The server here answers fixed records; the whole app is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { screenshot } from "./browser.js";
import { dashboardAnswering } from "./fixed-records.js";

const ID = "0123456789abcdef0123456789abcdef";
const DEP = "fedcba9876543210fedcba9876543210";
/** As long as core stores an error, and without a place to break it. */
const ERROR = `node answered 0x${"ab".repeat(1_999)}`;
const now = Date.now();
const context = { kind: "checkpoint", index: 3 };
const record = {
  id: ID,
  kind: "checkpoint",
  backend: "native",
  status: "permanent_failure",
  taskId: { context, backend: "native" },
  retryCount: 1,
  createdAt: now - 2_000,
  updatedAt: now,
  attempt: 1,
  phase: "prove",
  error: ERROR,
  attempts: [
    {
      attempt: 1,
      phase: "prove",
      instance: "i-1",
      startedAt: now - 900,
      endedAt: now,
      outcome: "permanent_failure",
      error: ERROR,
    },
  ],
};
const graph = {
  root: ID,
  nodes: [
    { id: ID, kind: "checkpoint", backend: "native", context, status: "permanent_failure", error: ERROR },
    {
      id: DEP,
      kind: "cl-stf",
      backend: "native",
      context: { kind: "cl-stf", start: { slot: 1 }, end: { slot: 4 } },
      status: "completed",
    },
  ],
  edges: [{ from: ID, to: DEP }],
};

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering({ paas_getTaskStatus: record, paas_getTaskGraph: graph });
}, 60_000);

afterAll(() => dashboard?.close());

it("keeps a failed task's page as wide as the window when its error has no space", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks/${ID}`);
  await page.locator("dd.problem").waitFor();
  await page.locator("table.attempts td.problem").waitFor();
  await screenshot(page, "long-error");
  const { scrollWidth, innerWidth } = (await page.evaluate(
    "({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })",
  )) as { scrollWidth: number; innerWidth: number };
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  // The whole error is still there to read (and to copy).
  expect(await page.locator("dd.problem").textContent()).toBe(ERROR);
});
