/**
 * A task that waits for the chain (its record's `waiting`, its last attempt's outcome `waiting`: a
 * block or checkpoint not produced yet) reads on its page and in the task list as a wait, its
 * message not shown as an error; one whose step failed and is retried still reads as failing. The
 * overview counts the waits under the failures they are a part of. The server here answers fixed
 * records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint, queuedCheckpoint } from "./fixed-records.js";

const MESSAGE = "the CL does not have checkpoint 3 now (it is behind): the proof is published once it does";
const failed = failedCheckpoint({ error: MESSAGE });
const record = failed.paas_getTaskStatus as { attempts: Record<string, unknown>[] } & Record<string, unknown>;
/** The outcome of the task's last attempt, as the test sets it. */
let outcome = "waiting";
let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  dashboard = await dashboardAnswering({
    paas_getTaskGraph: failed.paas_getTaskGraph,
    paas_getTaskStatus: () => ({
      ...record,
      ...waitingFacts(),
      attempts: record.attempts.map((a) => ({ ...a, phase: "publish", outcome })),
    }),
    paas_getReport: { kinds: ["checkpoint"], backends: ["native"] },
    paas_listTasks: () => ({ tasks: [{ ...queuedCheckpoint(), ...waitingFacts() }] }),
    // Three checkpoints wait for their epochs; two blocks failed to fetch and are retried.
    paas_getOverview: () => ({
      at: Date.now(),
      tasks: {
        total: 5,
        byStatus: { transient_failure: 5 },
        byKind: { checkpoint: { transient_failure: 3 }, "evm-ee-stf": { transient_failure: 2 } },
        waiting: 3,
        waitingByKind: { checkpoint: 3 },
      },
      throughputPerMinute: 0,
      provingDurations: {},
      queueDepth: 0,
      instances: [],
      cl: null,
      checkpoints: [],
      attention: [],
    }),
  });
}, 60_000);

/** The record's fields as the server answers them, listed or read alone, for the outcome set. */
function waitingFacts(): Record<string, unknown> {
  return {
    status: "transient_failure",
    phase: "publish",
    retryCount: 1,
    nextAttemptAt: Date.now() + 30_000,
    error: MESSAGE,
    ...(outcome === "waiting" && { waiting: true }),
  };
}

afterAll(() => dashboard?.close());

it("shows a wait for the chain as waiting, not as an error", { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks/${FAILED_TASK}`);
  await page.locator("table.attempts").waitFor();
  const status = page.getByTestId("task-status");
  expect(await status.textContent()).toContain("waiting for the chain");
  expect(await page.locator("dd.problem").count()).toBe(0);
  expect(await page.locator("dt", { hasText: "waiting for" }).count()).toBe(1);
  expect(await page.locator("dd", { hasText: MESSAGE }).count()).toBeGreaterThan(0);

  outcome = "transient_failure";
  await page.reload();
  await page.locator("dd.problem").waitFor();
  expect(await status.textContent()).not.toContain("waiting");
  expect(await page.locator("dd.problem").textContent()).toBe(MESSAGE);
});

it("lists a wait for the chain as waiting, and a failing task without it", { timeout: 60_000 }, async () => {
  outcome = "waiting";
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks`);
  const row = page.locator(`tr[data-task="${FAILED_TASK}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain("waiting for the chain");

  outcome = "transient_failure";
  await page.reload();
  await row.waitFor();
  expect(await row.textContent()).toContain("transient failure");
  expect(await row.textContent()).not.toContain("waiting");
});

it("counts the waits for the chain on the overview, under the transient failures they are a part of", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/`);
  const waiting = page.getByTestId("waiting");
  await waiting.waitFor();
  // Kinds in name order: checkpoint, evm-ee-stf. Counted as failures alone, they read as failing.
  const cells = (row: typeof waiting) => row.locator("th, td").allTextContents();
  expect(await cells(page.locator("table.counts tr", { hasText: "transient_failure" }))).toEqual([
    "transient_failure",
    "3",
    "2",
  ]);
  expect(await cells(waiting)).toEqual(["waiting for the chain", "3", "0"]);
  // The previous row is the failures' count: the waits are said as a part of it.
  expect(await waiting.evaluate((row) => row.previousElementSibling?.textContent)).toContain(
    "transient_failure",
  );
  // Listed with the failures, where each is marked as a wait.
  expect(await waiting.locator("a").getAttribute("href")).toBe(
    "#/tasks?kind=checkpoint&status=transient_failure",
  );
});
