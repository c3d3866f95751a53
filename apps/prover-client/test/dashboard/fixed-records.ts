import type { Page } from "playwright-core";
import { chromiumPath, launchBrowser } from "./browser.js";
import { httpAppAlone } from "./http-app-alone.js";

/**
 * The dashboard as the prover client serves it, in front of JSON-RPC methods that answer fixed
 * records, with a browser to read it: for what a page makes of a record no prover would produce
 * on cue (the whole app runs in dashboard.test.ts). An answer that is a function is called for each
 * request: a record that changes, or comes late, on the test's terms. With `auth`, the methods it
 * names change state, so they need its bearer token, as the prover client's operator methods do.
 */
export async function dashboardAnswering(
  answers: Readonly<Record<string, unknown>>,
  auth?: { readonly token: string; readonly mutating: readonly string[] },
): Promise<{
  readonly origin: string;
  readonly browser: Awaited<ReturnType<typeof launchBrowser>>;
  /** A new page showing FAILED_TASK, once its error and its attempts' errors are drawn. */
  openFailedTask(): Promise<Page>;
  close(): Promise<void>;
}> {
  chromiumPath();
  const methods = Object.fromEntries(
    Object.entries(answers).map(([name, value]) => [
      name,
      {
        handler: async () => (typeof value === "function" ? value() : value),
        mutates: auth?.mutating.includes(name) ?? false,
      },
    ]),
  );
  const { server, origin } = await httpAppAlone({ methods, ...(auth && { bearerToken: auth.token }) });
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  return {
    origin,
    browser,
    async openFailedTask() {
      const page = await browser.context.newPage();
      await page.goto(`${origin}/#/tasks/${FAILED_TASK}`);
      await page.locator("dd.problem").waitFor();
      await page.locator("table.attempts td.problem").waitFor();
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** The task the pages below show: a checkpoint that failed for good, and the CL proof it needs. */
export const FAILED_TASK = "0123456789abcdef0123456789abcdef";

/** Checkpoint 3's task as `paas_listTasks` lists it, queued and changed just now. */
export function queuedCheckpoint(): Record<string, unknown> {
  return {
    id: FAILED_TASK,
    kind: "checkpoint",
    backend: "native",
    status: "queued",
    taskId: { context: { kind: "checkpoint", index: 3 }, backend: "native" },
    retryCount: 0,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    attempt: 0,
    interruptions: 0,
  };
}
const DEPENDENCY = "fedcba9876543210fedcba9876543210";

/**
 * What `paas_getTaskStatus` and `paas_getTaskGraph` answer for FAILED_TASK, with the given text in
 * its fields (each defaulting to something ordinary): the answers `dashboardAnswering` takes.
 */
export function failedCheckpoint(text: {
  readonly error: string;
  readonly attemptError?: string;
  readonly instance?: string;
  readonly contextNote?: string;
  readonly dependencyNote?: string;
}): Record<string, unknown> {
  const now = Date.now();
  const note = (value: string | undefined) => (value === undefined ? {} : { note: value });
  const context = { kind: "checkpoint", index: 3, ...note(text.contextNote) };
  const record = {
    id: FAILED_TASK,
    kind: "checkpoint",
    backend: "native",
    status: "permanent_failure",
    taskId: { context, backend: "native" },
    retryCount: 1,
    createdAt: now - 2_000,
    updatedAt: now,
    attempt: 1,
    phase: "prove",
    error: text.error,
    attempts: [
      {
        attempt: 1,
        phase: "prove",
        instance: text.instance ?? "i-1",
        startedAt: now - 900,
        endedAt: now,
        outcome: "permanent_failure",
        error: text.attemptError ?? text.error,
      },
    ],
  };
  const graph = {
    root: FAILED_TASK,
    nodes: [
      {
        id: FAILED_TASK,
        kind: "checkpoint",
        backend: "native",
        context,
        status: "permanent_failure",
        error: text.error,
      },
      {
        id: DEPENDENCY,
        kind: "cl-stf",
        backend: "native",
        context: { kind: "cl-stf", start: { slot: 1 }, end: { slot: 4 }, ...note(text.dependencyNote) },
        status: "completed",
      },
    ],
    edges: [{ from: FAILED_TASK, to: DEPENDENCY }],
  };
  return { paas_getTaskStatus: record, paas_getTaskGraph: graph };
}
