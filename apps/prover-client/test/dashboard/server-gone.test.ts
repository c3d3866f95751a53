/**
 * The prover client stops under an open page and starts again on the same port. Meanwhile the page
 * says so in words an operator (and a screen reader, from the header's status) understands, not
 * the browser's "Failed to fetch"; back, it is live again and shows what changed while it was
 * away, without a reload. The server here answers fixed records.
 */
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { EventStream } from "../../src/http/event-stream.js";
import { buildHttpApp } from "../../src/http/http-app.js";
import { launchBrowser } from "./browser.js";

const TASK = "0123456789abcdef0123456789abcdef";
/** The task's status as the server answers it: changed while the server is away. */
let status = "queued";

async function serve(port: number) {
  const now = Date.now();
  const task = () => ({
    id: TASK,
    kind: "checkpoint",
    backend: "native",
    status,
    taskId: { context: { kind: "checkpoint", index: 3 }, backend: "native" },
    retryCount: 0,
    createdAt: now,
    updatedAt: now,
    attempt: 0,
  });
  const server = await buildHttpApp({
    methods: {
      paas_getReport: {
        handler: async () => ({ kinds: ["checkpoint"], backends: ["native"] }),
        mutates: false,
      },
      paas_listTasks: { handler: async () => ({ tasks: [task()] }), mutates: false },
    },
    maxBodyBytes: 1 << 20,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
    readiness: [],
    readinessTimeoutMs: 1_000,
    events: new EventStream(),
  });
  await server.listen({ host: "127.0.0.1", port });
  return server;
}

let server: Awaited<ReturnType<typeof serve>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("says the prover client is gone while it is, and is live again once it is back", {
  timeout: 60_000,
}, async () => {
  server = await serve(0);
  const port = (server.server.address() as AddressInfo).port;
  browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/#/tasks`);
  const live = page.locator("header [role=status]");
  await live.filter({ hasText: "live" }).waitFor({ timeout: 10_000 });
  await page.locator("table.tasks .badge", { hasText: "queued" }).waitFor();

  await server.close();
  server = undefined;
  await live.filter({ hasText: "reconnecting" }).waitFor({ timeout: 10_000 });
  // What is shown stays, as what was last known.
  expect(await page.locator("table.tasks .badge").textContent()).toBe("queued");
  // An operator asks for more while it is gone: the request fails, and the page says why.
  await page.locator('select[name="limit"]').selectOption("20");
  const problem = page.locator("main .problem");
  await problem.waitFor({ timeout: 10_000 });
  expect(await problem.textContent()).toMatch(/the prover client did not answer/);
  expect(await problem.textContent()).not.toContain("Failed to fetch");

  status = "completed";
  server = await serve(port);
  await live.filter({ hasText: "live" }).waitFor({ timeout: 20_000 });
  await page.locator("table.tasks .badge", { hasText: "completed" }).waitFor({ timeout: 10_000 });
  await problem.waitFor({ state: "detached", timeout: 5_000 });
});
