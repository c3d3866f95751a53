import { Piscina } from "piscina";
import type { ConformancePlan } from "./plan.js";
import type { WitnessTask } from "./witness-task.js";

/**
 * Built (dist/), the workers run the compiled witness-task.js; beside the TypeScript sources, a
 * JavaScript shim that loads the TypeScript task through tsx.
 */
const WORKER = import.meta.url.endsWith(".ts")
  ? new URL("./witness-worker.mjs", import.meta.url)
  : new URL("./witness-task.js", import.meta.url);

/**
 * Threads that build the tests' witnesses (full-state execution of every block), so the thread
 * that proves and reports stays free, and a test that takes too long is stopped for real: an
 * aborted task's worker is terminated (Piscina), not left running.
 */
export class WitnessPool {
  readonly #pool: Piscina<WitnessTask | null, ConformancePlan | null>;
  readonly threads: number;

  constructor(threads: number) {
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER.href,
      name: "planFromFile",
      minThreads: threads,
      maxThreads: threads,
    });
  }

  /** Loads the modules in every thread, so that no test's time includes them. */
  async warmUp(): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.#pool.run(null)));
  }

  /**
   * One test's plan. When `signal` aborts it, the worker is replaced, and the new one has loaded
   * its modules before this returns: the next test's time does not include them.
   */
  async plan(task: WitnessTask, signal: AbortSignal): Promise<ConformancePlan> {
    let plan: ConformancePlan | null;
    try {
      plan = await this.#pool.run(task, { signal });
    } catch (error) {
      if (signal.aborted) await this.#pool.run(null);
      throw error;
    }
    if (plan === null) throw new Error("the witness worker answered no plan");
    return plan;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
