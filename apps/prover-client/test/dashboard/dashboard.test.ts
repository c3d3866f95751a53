/**
 * The operator's dashboard in headless Chromium against a real prover client and devnet: the
 * overview follows checkpoints as the CL accepts them, the task list filters, a task that failed
 * for real (its EL answered 500s past the retry budget) is retried from its page after the page
 * asked for the bearer token, and its receipt downloads. Every page's screenshot is kept in
 * test-artifacts/.
 */
import { readFileSync } from "node:fs";
import { type ClientRequest, get } from "node:http";
import type { TaskPage } from "@paas/core";
import type { Devnet } from "@paas/devnet";
import type { JsonRpcClient } from "@paas/jsonrpc";
import { until } from "@paas/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";
import { chromiumPath, launchBrowser, screenshot, waitForPage } from "./browser.js";

const TOKEN = "dashboard-test-token-0123456789";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;
let client: JsonRpcClient;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let accepted: Map<number, number>;
let origin: string;
/** What the page reported as broken, and requests it made anywhere but the prover client. */
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  chromiumPath(); // a missing browser fails here, before a devnet is started for nothing
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  await devnet.chain.produceEpochs(2);
  accepted = acceptedCheckpoints(devnet);
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.interval_ms=200",
      // A checkpoint that fails stays failed until an operator retries it: that is what is tested.
      "plugin_settings.checkpoint.failed_retries=0",
      "retry.max_retries=1",
      `rpc.auth_token="${TOKEN}"`,
    ]),
  );
  client = rpc(app);
  origin = new URL(app.rpcUrl!).origin;
  browser = await launchBrowser();
  browser.context.on("request", (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreignRequests.push(request.url());
  });
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await devnet?.close();
  data?.remove();
});

/** A subscription to the event stream, held open until the request is destroyed. */
function openEvents(url: string): Promise<{ request: ClientRequest; status: number }> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => resolve({ request, status: response.statusCode ?? 0 }));
    request.on("error", (error) => {
      if (!request.destroyed) reject(error);
    });
  });
}

/** The text of every cell in one column of the task table. */
async function column(index: number): Promise<string[]> {
  return page.locator(`table.tasks tbody tr td:nth-child(${index})`).allTextContents();
}

describe("the dashboard in Chromium", () => {
  it("shows checkpoints proven and accepted as they happen, without reloading", {
    timeout: 90_000,
  }, async () => {
    // Opened before anything is proven: what follows arrives over /events.
    await page.goto(`${origin}/`);
    await page.locator("h2", { hasText: "Tasks by kind and status" }).waitFor();
    await until(() => accepted.has(1), "checkpoints 0 and 1 accepted by the CL", 60_000);
    await page.locator('[data-testid="last-accepted"]', { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    const row = page.locator('table.checkpoints tr[data-checkpoint="1"]');
    await row.locator("td.accepted").waitFor({ timeout: 10_000 });
    expect(await row.locator(".badge").first().textContent()).toBe("completed");
    // The counts table: 2 completed checkpoints, linked to the filtered task list.
    const completedCheckpoints = page.locator(
      'table.counts a[href="#/tasks?kind=checkpoint&status=completed"]',
    );
    await completedCheckpoints.filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
    await screenshot(page, "overview");

    await page.click("nav >> text=Checkpoints");
    await page.locator('table.checkpoints tr[data-checkpoint="0"] td.accepted').waitFor();
    await screenshot(page, "checkpoints");
  });

  it("filters the task list by kind and status, and pages through it", { timeout: 60_000 }, async () => {
    await page.click("nav >> text=Tasks");
    await page.locator("table.tasks tbody tr").first().waitFor();
    const all = await client.call<TaskPage>("paas_listTasks", [{}]);
    expect(await page.locator("table.tasks tbody tr").count()).toBe(all.tasks.length);
    expect(new Set(await column(2)).size).toBeGreaterThan(1);

    await page.selectOption('select[name="kind"]', "checkpoint");
    await waitForPage(page, "location.hash.includes('kind=checkpoint')");
    // Exactly the checkpoints: while the filtered page loads the table is empty, and "every row
    // is a checkpoint" would already hold of no rows.
    const checkpoints = await client.call<TaskPage>("paas_listTasks", [{ kind: "checkpoint" }]);
    expect(checkpoints.tasks.length).toBeGreaterThan(0);
    await until(
      async () => (await column(2)).join() === checkpoints.tasks.map(() => "checkpoint").join(),
      "only the checkpoints listed",
    );

    await page.selectOption('select[name="status"]', "completed");
    await waitForPage(page, "location.hash.includes('status=completed')");
    // A new filter shows "Loading…" until its page arrives.
    await until(
      async () => (await column(5)).join() === checkpoints.tasks.map(() => "completed").join(),
      "the completed checkpoints listed",
    );
    await screenshot(page, "tasks");

    // Pages of 2: "Next" walks the whole list in the server's order, "Previous" comes back.
    await page.evaluate("location.hash = '#/tasks?limit=2'");
    const ids = () =>
      page.locator("table.tasks tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.task));
    // The filtered list shown before may hold the same 2 rows (checkpoints 0 and 1 are often the
    // first tasks submitted): wait for the unfiltered first page, filters cleared.
    const firstIds = all.tasks.slice(0, 2).map((t) => t.id);
    const unfiltered = async () =>
      (await page.locator('select[name="kind"]').inputValue()) === "" &&
      (await page.locator('select[name="status"]').inputValue()) === "";
    await until(
      async () => (await unfiltered()) && (await ids()).join() === firstIds.join(),
      "the first page of 2",
    );
    const firstPage = await ids();
    const seen = [...firstPage];
    while (await page.locator("button", { hasText: "Next" }).isEnabled()) {
      const before = await ids();
      await page.click("button >> text=Next");
      // While the next page loads the table is gone: wait for rows, and other ones.
      await until(async () => {
        const now = await ids();
        return now.length > 0 && now[0] !== before[0];
      }, "the next page");
      seen.push(...(await ids()));
    }
    expect(seen).toEqual(all.tasks.map((t) => t.id));
    const pages = Math.ceil(seen.length / 2);
    await page.click("button >> text=Previous");
    await page.locator(".pager", { hasText: `page ${pages - 1}` }).waitFor();
    // The pager moves first; the rows follow when the page arrives.
    const previous = seen.slice((pages - 2) * 2, (pages - 1) * 2).join();
    await until(async () => (await ids()).join() === previous, "the previous page");

    await page.selectOption('select[name="kind"]', "checkpoint");
    await page.selectOption('select[name="status"]', "permanent_failure");
    await waitForPage(
      page,
      "['kind=checkpoint', 'status=permanent_failure', 'limit=2'].every((f) => location.hash.includes(f))",
    );
    await page.locator("text=No task matches.").waitFor();
  });

  it("retries a failed checkpoint from its page, asking for the token first", {
    timeout: 120_000,
  }, async () => {
    // The EL answers every request with HTTP 500: the next checkpoint's EVM proof fails past its
    // retry budget, and the checkpoint with it.
    devnet.faults.failNext(1_000_000, "el");
    await devnet.chain.produceEpochs(1);
    await until(
      async () =>
        (await client.call<TaskPage>("paas_listTasks", [{ kind: "checkpoint", status: "permanent_failure" }]))
          .tasks.length === 1,
      "checkpoint 2 failed permanently",
      60_000,
    );
    devnet.faults.clear();

    // The overview names what waits for an operator, as `paas report` does.
    const overview = await browser.context.newPage();
    await overview.goto(`${origin}/`);
    await overview
      .locator('[data-testid="attention"]', {
        hasText: /^checkpoint: checkpoint 2 \(permanent_failure\) waits for an operator/,
      })
      .waitFor({ timeout: 15_000 });
    await screenshot(overview, "overview-attention");
    await overview.close();

    // The list on screen (filtered on failures) shows it without a reload.
    const failedRow = page.locator("table.tasks tbody tr", { hasText: "checkpoint" }).first();
    await failedRow.waitFor({ timeout: 10_000 });
    await failedRow.locator("a").click();
    const status = page.locator('[data-testid="task-status"] .badge');
    await status.filter({ hasText: "permanent failure" }).waitFor();
    expect(await page.locator("dd.problem").textContent()).toMatch(/depend|500|HTTP/i);
    // The graph comes in its own call: wait for it to be drawn, with the task and a dependency.
    await page.locator("svg.graph .graph-node").nth(1).waitFor();
    await screenshot(page, "task-failed");

    // No token in this tab yet: the retry is refused, and the page asks.
    await page.click("button >> text=Retry");
    const dialog = page.locator('form[aria-label="bearer token"]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("asks for its bearer token");
    await screenshot(page, "token");
    await dialog.locator("input").fill("not-the-token");
    await dialog.locator("button[type=submit]").click();
    await dialog.locator("text=refused the token").waitFor();
    await dialog.locator("input").fill(TOKEN);
    await dialog.locator("button[type=submit]").click();
    await dialog.waitFor({ state: "hidden" });

    await status.filter({ hasText: "completed" }).waitFor({ timeout: 60_000 });
    await until(() => accepted.has(2), "checkpoint 2 accepted by the CL", 30_000);
    expect(await page.locator("table.attempts tbody tr").count()).toBeGreaterThan(0);
    await screenshot(page, "task");

    const download = page.waitForEvent("download");
    await page.click("button >> text=Download receipt");
    const file = await (await download).path();
    const receipt = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const taskId = page.url().split("/").pop()!;
    expect(await client.call("paas_getProof", [taskId])).toEqual(receipt);
  });

  it("retries every failed task matching the list's filter at once", { timeout: 120_000 }, async () => {
    devnet.faults.failNext(1_000_000, "el");
    await devnet.chain.produceEpochs(1);
    const failedNow = async () =>
      (await client.call<TaskPage>("paas_listTasks", [{ status: "permanent_failure" }])).tasks;
    await until(
      async () => (await failedNow()).some((t) => t.kind === "checkpoint"),
      "checkpoint 3 failed",
      60_000,
    );
    devnet.faults.clear();
    const failed = await failedNow();

    await page.click("nav >> text=Tasks");
    await page.selectOption('select[name="status"]', "permanent_failure");
    await until(async () => (await column(2)).length === failed.length, "the failed tasks listed");
    await page.click("button >> text=Retry matching");
    await page.click("button >> text=Yes, retry matching");
    // The tab kept the token: no form this time.
    await page
      .locator(".outcome.ok", { hasText: `retried ${failed.length} of ${failed.length} matching tasks` })
      .waitFor({ timeout: 10_000 });
    await page.locator("text=No task matches.").waitFor({ timeout: 60_000 });
    await until(() => accepted.has(3), "checkpoint 3 accepted by the CL", 60_000);
  });

  it("comes back live after the server turned its event stream away", { timeout: 60_000 }, async () => {
    // Take every place one address may hold on /events (this test's page holds one already)...
    const held: ClientRequest[] = [];
    for (;;) {
      const { request, status } = await openEvents(`${origin}/events`);
      if (status !== 200) {
        request.destroy();
        break;
      }
      held.push(request);
    }
    // ...so a dashboard opened now is refused (503), which ends an EventSource for good.
    const late = await browser.context.newPage();
    await late.goto(`${origin}/`);
    await late.locator(".live.off", { hasText: "reconnecting" }).waitFor();
    for (const request of held) request.destroy();
    await late.locator(".live.on", { hasText: "live" }).waitFor({ timeout: 20_000 });
    await late.close();
  });

  it("loaded nothing from elsewhere and reported no error", () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
