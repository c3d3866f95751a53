/**
 * A task that waits for the chain (its last attempt's outcome `waiting`: a block or checkpoint not
 * produced yet) reads on its page as a wait, its message not shown as an error; one whose step
 * failed and is retried still reads as failing. The server here answers fixed records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering, FAILED_TASK, failedCheckpoint } from "./fixed-records.js";

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
      status: "transient_failure",
      phase: "publish",
      nextAttemptAt: Date.now() + 30_000,
      attempts: record.attempts.map((a) => ({ ...a, phase: "publish", outcome })),
    }),
  });
}, 60_000);

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
