/**
 * A task's fields are text from elsewhere: an error carries what a node, a plugin or a remote
 * prover answered, a context what a submitter sent. Markup in them is shown as the characters it
 * is, never run as part of the page (which holds the operator's token). The server here answers
 * fixed records, as in long-error.test.ts; the whole app is in dashboard.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering } from "./fixed-records.js";

const ID = "0123456789abcdef0123456789abcdef";
const DEP = "fedcba9876543210fedcba9876543210";
/** Markup that runs script if a page inserts it as HTML; `<b>` shows whether any was parsed at all. */
const markup = (where: string) => `<img src="x" onerror="window.__ran = '${where}'"><b>${where}</b>`;
const now = Date.now();
const context = { kind: "checkpoint", index: 3, note: markup("context") };
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
  error: markup("error"),
  attempts: [
    {
      attempt: 1,
      phase: "prove",
      instance: markup("instance"),
      startedAt: now - 900,
      endedAt: now,
      outcome: "permanent_failure",
      error: markup("attempt error"),
    },
  ],
};
const graph = {
  root: ID,
  nodes: [
    {
      id: ID,
      kind: "checkpoint",
      backend: "native",
      context,
      status: "permanent_failure",
      error: record.error,
    },
    {
      id: DEP,
      kind: "cl-stf",
      backend: "native",
      context: { kind: "cl-stf", start: { slot: 1 }, end: { slot: 4 }, note: markup("dependency") },
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

it("shows markup in a task's error, attempts and context as text, and runs none of it", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks/${ID}`);
  await page.locator("dd.problem").waitFor();
  await page.locator("table.attempts td.problem").waitFor();
  await page.locator(".graph-box").waitFor();

  expect(await page.locator("dd.problem").textContent()).toBe(record.error);
  expect(await page.locator("table.attempts td.problem").textContent()).toBe(markup("attempt error"));
  expect(await page.locator("table.attempts td.mono").textContent()).toBe(markup("instance"));
  // Not one element was made from the fields' markup, and none of its script ran.
  expect(await page.locator("img, b").count()).toBe(0);
  expect(await page.evaluate("window.__ran")).toBeUndefined();
});
