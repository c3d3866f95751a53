import { AsyncLocalStorage, createHook } from "node:async_hooks";
import { workerData } from "node:worker_threads";
import { parseHex } from "@paas/core/contracts";
import { messageOf } from "../errors.js";
import { createGuestEnv } from "../program/env.js";
import { findProgram } from "../program/registry.js";
import { currentThreadId, setIdleScheduling } from "./idle-scheduling.js";
import type { WorkerData, WorkerResult, WorkerTask } from "./protocol.js";

const settings = workerData as WorkerData;
const trustedKeys = settings.trustedPublicKeys.map((key) => parseHex(key)!);

if (settings.idleScheduling && process.platform === "linux") {
  const refused = setIdleScheduling(currentThreadId());
  if (refused) process.emitWarning(`a proving worker keeps its nice value only: ${refused}`);
}

/**
 * A program module in TypeScript, proven by the built host: a plugin tested from its sources with
 * the installed packages (vitest loads the plugin's program in the test, not in this thread).
 * Beside our own sources this runs behind entry.mjs, which has registered tsx already.
 */
const TYPESCRIPT_MODULE = /\.[cm]?ts$/;
let typeScriptLoader: Promise<void> | undefined;

function loadTypeScript(): Promise<void> {
  typeScriptLoader ??= import("tsx/esm/api").then(
    ({ register }) => void register(),
    (error: unknown) => {
      throw new Error(
        `a program module in TypeScript needs tsx installed (npm install -D tsx): ${messageOf(error)}`,
      );
    },
  );
  return typeScriptLoader;
}

/** One guest's run, as the async work it started (its promises, timers, callbacks) sees it. */
interface GuestRun {
  readonly program: string;
  /** Its proof has been answered: nothing of its own is left to fail. */
  answered: boolean;
  readonly rejections: unknown[];
  /** Exceptions its asynchronous work threw (a `nextTick`, an I/O callback). */
  readonly thrown: unknown[];
  /** Timers and immediates it started, cleared once its proof is answered. */
  readonly timers: { readonly type: string; readonly resource: unknown }[];
}

const guestRuns = new AsyncLocalStorage<GuestRun>();

// A guest's timers end with its proof: guests are synchronous, and one left to fire later (a spin,
// an interval) ran on this worker during the next proofs, which waited for it forever or until
// their abort. The hook runs in the context that starts the timer, so it is charged to its guest.
createHook({
  init(_asyncId, type, _triggerAsyncId, resource) {
    if (type !== "Timeout" && type !== "Immediate") return;
    const run = guestRuns.getStore();
    if (run && !run.answered) run.timers.push({ type, resource });
  },
}).enable();

function clearTimers(run: GuestRun): void {
  for (const { type, resource } of run.timers) {
    if (type === "Timeout") clearTimeout(resource as NodeJS.Timeout);
    else clearImmediate(resource as NodeJS.Immediate);
  }
  run.timers.length = 0;
}

// Node runs this listener in the async context the promise was rejected in, so a rejection counts
// against the guest whose code rejected it — a timer or callback that guest left included — never
// against the guest that happens to run when it surfaces (a permanent failure would lose that
// innocent proof's task for good). Once the guest's own proof is answered there is nothing left to
// fail: a warning, and the worker goes on (without a listener it would die with a later proof).
process.on("unhandledRejection", (reason) => {
  const run = guestRuns.getStore();
  if (run && !run.answered) {
    run.rejections.push(reason);
    return;
  }
  const what = run
    ? `the guest of program "${run.program}" left a promise that rejected after its proof`
    : "a promise rejected outside any guest";
  process.emitWarning(`${what}: ${messageOf(reason)}`);
});

// The same for an exception a guest's asynchronous work throws (a `nextTick`, an I/O callback):
// without a listener it ended the worker, which failed the guest's own proof transiently (retried,
// to fail the same way) or, from a callback of a guest already answered, an innocent proof running
// on it. One seen outside any guest still ends the worker (piscina replaces it): this runner's own,
// or a `queueMicrotask` callback's, which Node reports outside the context it ran in.
process.on("uncaughtException", (error) => {
  const run = guestRuns.getStore();
  if (!run) throw error;
  if (!run.answered) {
    run.thrown.push(error);
    return;
  }
  process.emitWarning(
    `the guest of program "${run.program}" left a callback that threw after its proof: ${messageOf(error)}`,
  );
});

/** Runs one guest in this worker thread; see `WorkerResult` for how failures are reported. */
export async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    if (!import.meta.url.endsWith(".ts") && TYPESCRIPT_MODULE.test(new URL(task.moduleUrl).pathname)) {
      await loadTypeScript();
    }
    // Evaluating the program module calls defineProgram, which registers the program here.
    await import(task.moduleUrl);
  } catch (error) {
    return { ok: false, stage: "load", message: `importing ${task.moduleUrl} failed: ${messageOf(error)}` };
  }
  const program = findProgram(task.programIdHex);
  if (!program) {
    return {
      ok: false,
      stage: "load",
      message: `${task.moduleUrl} does not define a program with id 0x${task.programIdHex}`,
    };
  }
  const { env, publicValues } = createGuestEnv(task.input, trustedKeys);
  const run: GuestRun = { program: program.name, answered: false, rejections: [], thrown: [], timers: [] };
  const started = performance.now();
  try {
    const returned: unknown = guestRuns.run(run, () => program.guest(env));
    if (returned !== undefined) {
      // A rejection of an async guest's promise has nobody to report to: it would kill the worker.
      if (returned instanceof Promise) returned.catch(() => undefined);
      const what = returned instanceof Promise ? "a Promise (guests are synchronous)" : "a value";
      return {
        ok: false,
        stage: "guest",
        message: `the guest returned ${what}; commit outputs with env.commit`,
      };
    }
    const guestMs = performance.now() - started;
    // Node reports unhandled rejections once the microtasks have run: let it, before answering.
    await new Promise((resolve) => setImmediate(resolve));
    if (run.thrown.length > 0) {
      return {
        ok: false,
        stage: "guest",
        message: `the guest's asynchronous work threw (guests are synchronous): ${messageOf(run.thrown[0])}`,
      };
    }
    if (run.rejections.length > 0) {
      return {
        ok: false,
        stage: "guest",
        message: `the guest left a rejected promise (guests are synchronous): ${messageOf(run.rejections[0])}`,
      };
    }
    return { ok: true, publicValues: publicValues(), guestMs };
  } catch (error) {
    return { ok: false, stage: "guest", message: messageOf(error) };
  } finally {
    run.answered = true;
    clearTimers(run);
  }
}

// Piscina calls a worker module's default export.
export default runTask;
