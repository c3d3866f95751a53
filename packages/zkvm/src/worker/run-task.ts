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
  const started = performance.now();
  // A promise the guest rejected and left would be reported after it returned, and without a
  // listener would take the worker down in the middle of a later, innocent proof. Caught here, it
  // fails this proof, the one that caused it.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    const returned: unknown = program.guest(env);
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
    if (rejections.length > 0) {
      return {
        ok: false,
        stage: "guest",
        message: `the guest left a rejected promise (guests are synchronous): ${messageOf(rejections[0])}`,
      };
    }
    return { ok: true, publicValues: publicValues(), guestMs };
  } catch (error) {
    return { ok: false, stage: "guest", message: messageOf(error) };
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}

// Piscina calls a worker module's default export.
export default runTask;
