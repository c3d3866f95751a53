/**
 * A task's fields are text from elsewhere: an error carries what a node, a plugin or a remote
 * prover answered, a context what a submitter sent. Markup in them is shown as the characters it
 * is, never run as part of the page (which holds the operator's token). The server here answers
 * fixed records, as in long-error.test.ts; the whole app is in dashboard.test.ts.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventStream } from "../../src/http/event-stream.js";
import { buildHttpApp } from "../../src/http/http-app.js";
import { chromiumPath, launchBrowser } from "./browser.js";

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

let server: FastifyInstance;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let origin: string;

beforeAll(async () => {
  chromiumPath();
  const answer = (value: unknown) => ({ handler: async () => value });
  server = await buildHttpApp({
    methods: { paas_getTaskStatus: answer(record), paas_getTaskGraph: answer(graph) },
    maxBodyBytes: 1 << 20,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
    readiness: [],
    readinessTimeoutMs: 1_000,
    events: new EventStream(),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  origin = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("shows markup in a task's error, attempts and context as text, and runs none of it", {
  timeout: 60_000,
}, async () => {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/#/tasks/${ID}`);
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
