/**
 * Conformance with the Ethereum Foundation's blockchain tests, through the plugin's program and a
 * real native host. For each test a witness worker plans the proofs (`plan.ts`: valid ranges with
 * their recorded witnesses, invalid blocks with the full pre-state), then the program proves each
 * on the host and `judge.ts` checks the outcome: valid ranges proven to the test's state roots,
 * invalid blocks refused by the program. Each test has a timeout covering both steps.
 */
import path from "node:path";
import { listFixtureFiles, readFixtureFile } from "@paas/evm";
import type { NativeHost } from "@paas/zkvm";
import { Slots, TestTimeoutError, TimeBudget } from "./budget.js";
import { judgeJob, warmUpHost } from "./judge.js";
import type { WitnessKind } from "./plan.js";
import { WitnessPool } from "./witness-pool.js";

export type { WitnessKind } from "./plan.js";

export interface ConformanceCase {
  /** The fixture file. */
  readonly file: string;
  /** The test's name inside the file. */
  readonly name: string;
}

/**
 * How a test ended: every judgement held (`passed`), one did not (`failed`), the program proved a
 * block the test says is invalid (`soundness-failure`), it ran out of time (`timeout`), or its
 * network's rules are outside the program's (`unsupported`). Only `passed` is a pass.
 */
export type ConformanceStatus = "passed" | "failed" | "soundness-failure" | "timeout" | "unsupported";

export interface ConformanceResult {
  readonly file: string;
  readonly name: string;
  readonly status: ConformanceStatus;
  readonly passed: boolean;
  /** Valid blocks proven and invalid blocks refused, as the test asks. */
  readonly validProven: number;
  readonly invalidRefused: number;
  /** Invalid blocks the program proved. */
  readonly soundnessFailures: number;
  readonly ms: number;
  /** Why it did not pass: the first judgement that did not hold (all of them for soundness failures). */
  readonly error?: string;
}

/** The fixture files under `dir` (recursively), sorted. */
export function listConformanceFiles(dir: string): string[] {
  return listFixtureFiles(dir);
}

/** The tests of one fixture file, in file order. */
export function readConformanceCases(file: string): ConformanceCase[] {
  return Object.keys(readFixtureFile(file)).map((name) => ({ file, name }));
}

export interface ConformanceRunOptions {
  /** Tests in flight. Default: the host's workers plus the witness threads. */
  readonly concurrency?: number;
  /** Threads building witnesses. Default 1. */
  readonly witnessThreads?: number;
  readonly witness?: WitnessKind;
  /**
   * Per test: the time it spends building witnesses and proving (not waiting for a thread or a
   * worker). Default 120 s.
   */
  readonly timeoutMs?: number;
  /** Called with each result, in file and test order. */
  readonly onResult?: (result: ConformanceResult) => void;
}

export const DEFAULT_TEST_TIMEOUT_MS = 120_000;

export interface ConformanceCounts {
  /** Blocks. */
  readonly validProven: number;
  readonly invalidRefused: number;
  readonly soundnessFailures: number;
  /** Tests. */
  readonly timeouts: number;
  readonly unsupported: number;
}

export interface ConformanceSummary {
  readonly passed: number;
  readonly failed: number;
  readonly counts: ConformanceCounts;
  readonly results: readonly ConformanceResult[];
}

/** Where a test runs: the witness threads and the proving workers, each behind its slots. */
interface Runners {
  readonly host: NativeHost;
  readonly hostSlots: Slots;
  readonly pool: WitnessPool;
  readonly poolSlots: Slots;
}

/** Runs one test: plan in the pool, proofs on the host; never throws, a failure is in the result. */
async function runConformanceCase(
  runners: Runners,
  test: ConformanceCase,
  options: { witness?: WitnessKind; timeoutMs?: number },
): Promise<ConformanceResult> {
  const started = performance.now();
  const budget = new TimeBudget(options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS);
  let validProven = 0;
  let invalidRefused = 0;
  const soundness: string[] = [];
  const result = (status: ConformanceStatus, error?: string): ConformanceResult => ({
    file: test.file,
    name: test.name,
    status,
    passed: status === "passed",
    validProven,
    invalidRefused,
    soundnessFailures: soundness.length,
    ms: Math.round(performance.now() - started),
    ...(error !== undefined && { error }),
  });
  try {
    const task = { file: test.file, name: test.name, witness: options.witness ?? "recorded" };
    const plan = await budget.step(runners.poolSlots, (signal) => runners.pool.plan(task, signal));
    if (!plan.supported) return result("unsupported", plan.reason);
    let failure: string | undefined;
    for (const job of plan.jobs) {
      const verdict = await budget.step(runners.hostSlots, (signal) =>
        judgeJob(runners.host, plan.network, job, signal),
      );
      if (verdict.outcome === "valid-proven") validProven += verdict.blocks;
      else if (verdict.outcome === "invalid-refused") invalidRefused++;
      else if (verdict.outcome === "soundness-failure") soundness.push(verdict.error);
      else failure ??= verdict.error;
    }
    if (soundness.length > 0) return result("soundness-failure", soundness.join("; "));
    return failure === undefined ? result("passed") : result("failed", failure);
  } catch (error) {
    if (error instanceof TestTimeoutError) return result("timeout", error.message);
    return result("failed", error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs every test of `files`, `concurrency` at a time: witnesses are built in the pool's threads
 * while other tests are proven in the host's workers; results are reported in file and test order.
 */
export async function runConformance(
  host: NativeHost,
  files: readonly string[],
  options: ConformanceRunOptions = {},
): Promise<ConformanceSummary> {
  const pool = new WitnessPool(options.witnessThreads ?? 1);
  try {
    // Module loading in every thread and worker happens before any test's clock runs.
    await Promise.all([pool.warmUp(), warmUpHost(host)]);
    const runners = {
      host,
      hostSlots: new Slots(host.concurrency),
      pool,
      poolSlots: new Slots(pool.threads),
    };
    return await runAll(runners, files, options);
  } finally {
    await pool.close();
  }
}

async function runAll(
  runners: Runners,
  files: readonly string[],
  options: ConformanceRunOptions,
): Promise<ConformanceSummary> {
  const concurrency = options.concurrency ?? runners.host.concurrency + runners.pool.threads;
  const results: ConformanceResult[] = [];
  const pending = new Map<number, ConformanceResult>();
  let reported = 0;
  const report = (index: number, result: ConformanceResult) => {
    pending.set(index, result);
    for (let next = pending.get(reported); next !== undefined; next = pending.get(reported)) {
      pending.delete(reported);
      results.push(next);
      options.onResult?.(next);
      reported++;
    }
  };
  let index = 0;
  const cases = (function* () {
    for (const file of files) {
      let tests: ConformanceCase[];
      try {
        tests = readConformanceCases(file);
      } catch (error) {
        yield { file, name: "(file)", error: error instanceof Error ? error.message : String(error) };
        continue;
      }
      yield* tests;
    }
  })();
  const worker = async () => {
    for (let next = cases.next(); !next.done; next = cases.next()) {
      const position = index++;
      const test = next.value;
      if ("error" in test) {
        report(position, {
          ...test,
          status: "failed",
          passed: false,
          validProven: 0,
          invalidRefused: 0,
          soundnessFailures: 0,
          ms: 0,
        });
        continue;
      }
      report(position, await runConformanceCase(runners, test, options));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const sum = (pick: (r: ConformanceResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const passed = results.filter((r) => r.passed).length;
  return {
    passed,
    failed: results.length - passed,
    counts: {
      validProven: sum((r) => r.validProven),
      invalidRefused: sum((r) => r.invalidRefused),
      soundnessFailures: sum((r) => r.soundnessFailures),
      timeouts: results.filter((r) => r.status === "timeout").length,
      unsupported: results.filter((r) => r.status === "unsupported").length,
    },
    results,
  };
}

/** "valid proven 1066 blocks, invalid refused 231 blocks, soundness failures 0, timeouts 0, unsupported 0" */
export function describeCounts(counts: ConformanceCounts): string {
  return (
    `valid proven ${counts.validProven} blocks, invalid refused ${counts.invalidRefused} blocks, ` +
    `soundness failures ${counts.soundnessFailures}, timeouts ${counts.timeouts}, unsupported ${counts.unsupported}`
  );
}

/** `file name` relative to `dir`, for one-line reports. */
export function caseLabel(result: { file: string; name: string }, dir: string): string {
  return `${path.relative(dir, result.file) || path.basename(result.file)} ${result.name}`;
}
