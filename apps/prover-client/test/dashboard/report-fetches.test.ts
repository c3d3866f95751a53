/**
 * With another instance of the cluster at work, the overview's counts change every second, and the
 * pages fetch what they show afresh. The task list's filter options (kinds, backends) come from
 * `paas_getReport`, which reads every plugin's report (the CL, the task database): they do not
 * change with the counts, and fetched again at each change, every open task list asked for them
 * twice a second for as long as the cluster was busy. The server here answers fixed records and
 * sends an overview with new counts every 50 ms.
 */
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { EventStream } from "../../src/http/event-stream.js";
import { buildHttpApp } from "../../src/http/http-app.js";
import { launchBrowser } from "./browser.js";

let completed = 0;
const calls: Record<string, number> = {};
const counted = (method: string, answer: () => unknown) => ({
  handler: async () => {
    calls[method] = (calls[method] ?? 0) + 1;
    return answer();
  },
  mutates: false,
});
/** Two instances, and one more task completed each time: another instance at work. */
const overview = () => {
  completed++;
  const instance = (id: string) => ({
    id,
    host: "h",
    pid: 1,
    role: "all",
    startedAt: 0,
    heartbeatAt: Date.now(),
    tasksHeld: 1,
  });
  return {
    at: Date.now(),
    tasks: {
      total: completed,
      byStatus: { completed },
      byKind: { "evm-ee-stf": { completed } },
      waiting: 0,
      waitingByKind: {},
    },
    throughputPerMinute: 0,
    provingDurations: {},
    queueDepth: 0,
    instances: [instance("here"), instance("there")],
    self: "here",
    cl: null,
    checkpoints: [],
    attention: [],
  };
};

const events = new EventStream({ snapshot: { event: "overview", read: async () => overview(), tickMs: 50 } });
const server = await buildHttpApp({
  methods: {
    paas_getOverview: counted("paas_getOverview", overview),
    paas_getReport: counted("paas_getReport", () => ({ kinds: ["evm-ee-stf"], backends: ["native"] })),
    paas_listTasks: counted("paas_listTasks", () => ({ tasks: [] })),
  },
  maxBodyBytes: 1 << 20,
  metrics: async () => ({ contentType: "text/plain", body: "" }),
  readiness: [],
  readinessTimeoutMs: 1_000,
  events,
});
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

afterAll(async () => {
  await browser?.close();
  await server.close();
});

it("asks for the task list's filter options once, not at each change of the cluster's counts", {
  timeout: 60_000,
}, async () => {
  await server.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${(server.server.address() as AddressInfo).port}/#/tasks`);
  await page.locator(".live.on").waitFor();
  await page.locator("text=No task matches.").waitFor();
  // Past the fetch a (re)connection makes: what follows comes from the overview's counts.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const before = { ...calls };
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  // The list itself follows the counts (at most once a second); its filter options do not.
  expect((calls.paas_listTasks ?? 0) - (before.paas_listTasks ?? 0)).toBeGreaterThanOrEqual(2);
  expect((calls.paas_getReport ?? 0) - (before.paas_getReport ?? 0)).toBe(0);
});
