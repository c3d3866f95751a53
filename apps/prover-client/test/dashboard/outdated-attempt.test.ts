/**
 * A completed checkpoint whose proof the CL dropped after a reorg is proven again: its history
 * shows the attempt that found the proof `outdated`. That outcome is a proof that did not stand, as
 * a transient failure is, and reads as one (the warning colour, a tooltip saying what happened),
 * not in the grey of a task nobody works on. The server here answers fixed records.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { dashboardAnswering } from "./fixed-records.js";

const TASK = "00112233445566778899aabbccddeeff";

let dashboard: Awaited<ReturnType<typeof dashboardAnswering>>;

beforeAll(async () => {
  const now = Date.now();
  const context = { kind: "checkpoint", index: 5 };
  const attempt = (n: number, phase: string, outcome: string, error?: string) => ({
    attempt: n,
    phase,
    instance: "i-1",
    startedAt: now - 10_000 + n * 1_000,
    endedAt: now - 9_500 + n * 1_000,
    outcome,
    ...(error && { error }),
  });
  dashboard = await dashboardAnswering({
    paas_getTaskStatus: {
      id: TASK,
      kind: "checkpoint",
      backend: "native",
      status: "completed",
      taskId: { context, backend: "native" },
      retryCount: 1,
      createdAt: now - 20_000,
      updatedAt: now,
      attempt: 3,
      attempts: [
        attempt(1, "publish", "transient_failure", "the CL did not answer"),
        attempt(2, "publish", "outdated", "checkpoint 5: the chain was reorganised"),
        attempt(3, "publish", "published"),
      ],
    },
    paas_getTaskGraph: {
      root: TASK,
      nodes: [{ id: TASK, kind: "checkpoint", backend: "native", context, status: "completed" }],
      edges: [],
    },
  });
}, 60_000);

afterAll(() => dashboard?.close());

it("shows an outdated proof's attempt as one that did not stand, saying why", {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.context.newPage();
  await page.goto(`${dashboard.origin}/#/tasks/${TASK}`);
  const outdated = page.locator("table.attempts .badge", { hasText: "outdated" });
  await outdated.waitFor();
  const background = (text: string) =>
    page
      .locator("table.attempts .badge", { hasText: text })
      .evaluate("(badge) => getComputedStyle(badge).backgroundColor");
  expect(await background("outdated")).toBe(await background("transient failure"));
  // Not the grey of a badge of no particular status (pending, cancelled).
  expect(await background("outdated")).not.toBe(
    await page.evaluate(
      "(() => { const idle = document.createElement('span'); idle.className = 'badge'; document.body.append(idle); return getComputedStyle(idle).backgroundColor; })()",
    ),
  );
  expect(await outdated.getAttribute("title")).toMatch(/proof .*dropped.*proven again/);
});
