/**
 * The dashboard of one instance of a cluster on PostgreSQL follows work done by another: its task
 * events are its own instance's transitions only, so the pages fetch afresh when the overview's
 * counts (read from the shared database) change. The other instance here is a prover service of
 * its own on the same schema, proving a kind this app does not have.
 */
import { type ProofReceipt, type ProverService, ProverServiceBuilder, type TaskPage } from "@paas/core";
import { createTestDatabase } from "@paas/core/testing";
import type { Devnet } from "@paas/devnet";
import type { JsonRpcClient } from "@paas/jsonrpc";
import { until } from "@paas/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { rpc, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";
import { chromiumPath, launchBrowser, screenshot } from "./browser.js";

const postgres = inject("postgres");

const RECEIPT: ProofReceipt = {
  proof: new Uint8Array(64),
  publicValues: new Uint8Array(32),
  metadata: { zkvm: "native", programId: new Uint8Array(32), version: "1", proofType: "core" },
};

describe.skipIf(postgres.url === undefined)("the dashboard of one instance in a cluster", () => {
  let data: ReturnType<typeof tempDatadir>;
  let devnet: Devnet;
  let app: ProverApp;
  let client: JsonRpcClient;
  let other: ProverService;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    chromiumPath();
    data = tempDatadir();
    devnet = await startTrustingDevnet(data.dir);
    const { location } = await createTestDatabase("postgres", postgres);
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    // Quiet on its own: no checkpoint runner, so nothing here makes task events.
    app = await startApp(
      testConfig(data.dir, devnet.url, [
        `database.url="${location.url}"`,
        `database.schema="${location.schema}"`,
        "plugin_settings.checkpoint.runner=false",
      ]),
    );
    client = rpc(app);
    other = await new ProverServiceBuilder({ database: location, instanceId: "other-instance" })
      .host({
        backend: "native",
        zkvm: "native",
        concurrency: 1,
        prove: async () => RECEIPT,
        close: async () => {},
      })
      .registerHandler(
        { kind: "elsewhere", program: { name: "elsewhere", version: "1" } },
        { parseContext: (raw) => raw, fetchInput: async () => null },
      )
      .launch();
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await other?.close();
    await app?.close();
    await devnet?.close();
    data?.remove();
  });

  it("shows tasks another instance proves, without reloading", { timeout: 60_000 }, async () => {
    await until(
      async () =>
        (await client.call<{ instances: unknown[] }>("paas_getOverview", [])).instances.length === 2,
      "both instances listed",
      20_000,
    );
    await page.goto(`${new URL(app.rpcUrl!).origin}/#/tasks`);
    await page.locator("text=No task matches.").waitFor();
    // Connected, and past the fetch a (re)connection makes: what follows comes from the overview.
    await page.locator(".live.on").waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const { task } = await other.submit({ kind: "elsewhere", index: 1 }, "native");
    expect((await other.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
    const row = page.locator(`table.tasks tbody tr[data-task="${task.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.locator(".badge", { hasText: "completed" }).waitFor({ timeout: 15_000 });
    expect((await client.call<TaskPage>("paas_listTasks", [{}])).tasks.map((t) => t.id)).toEqual([task.id]);
    await screenshot(page, "cluster-tasks");

    // The overview counts the other instance's task among the cluster's, and says that the
    // throughput beside it is this instance's alone (0 here), not the cluster's.
    await page.goto(`${new URL(app.rpcUrl!).origin}/#/`);
    await page.locator("table.counts a", { hasText: "1" }).waitFor();
    const throughput = page.locator(".card", { has: page.getByTestId("throughput") });
    expect(await throughput.locator(".card-value").textContent()).toBe("0");
    expect(await throughput.locator(".card-label").textContent()).toBe(
      "tasks completed on this instance in the last minute",
    );
  });

  it("keeps a kind filter for a kind only another instance proves", { timeout: 60_000 }, async () => {
    // The overview links every kind in the cluster's counts; this instance's report names its own.
    await page.goto(`${new URL(app.rpcUrl!).origin}/#/tasks?kind=elsewhere`);
    await page.locator("table.tasks").waitFor();
    // Shown as "any" (or blank), the filter would read as unset over a list it narrows.
    expect(await page.locator('select[name="kind"]').inputValue()).toBe("elsewhere");
    expect(await page.locator('select[name="kind"] option:checked').textContent()).toBe("elsewhere");
  });

  it("marks which of the cluster's instances serves the page", { timeout: 60_000 }, async () => {
    await page.goto(`${new URL(app.rpcUrl!).origin}/#/`);
    const rows = page.locator("section", { hasText: "Instances" }).locator("tbody tr");
    await rows.nth(1).waitFor();
    // The page's "on this instance" figures (throughput, proving times) are this row's.
    const own = rows.filter({ hasNotText: "other-instance" });
    expect(await own.getAttribute("aria-current")).toBe("true");
    expect(await own.locator("td").first().textContent()).toMatch(/ \(this instance\)$/);
    expect(await rows.filter({ hasText: "other-instance" }).getAttribute("aria-current")).toBeNull();
  });

  it("says the checkpoint runner is off on an instance configured without it", {
    timeout: 60_000,
  }, async () => {
    await page.goto(`${new URL(app.rpcUrl!).origin}/#/checkpoints`);
    await page.getByTestId("runner").waitFor();
    expect(await page.getByTestId("runner").textContent()).toContain("is off on this instance");
  });
});
