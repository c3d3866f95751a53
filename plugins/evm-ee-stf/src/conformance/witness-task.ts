import { readFixtureFile } from "@paas/evm";
import { type ConformancePlan, planConformanceCase, type WitnessKind } from "./plan.js";

export interface WitnessTask {
  readonly file: string;
  readonly name: string;
  readonly witness: WitnessKind;
}

/** The last file read: a worker is usually handed the tests of one file in a row. */
let cached: { file: string; tests: ReturnType<typeof readFixtureFile> } | undefined;

/** One test's plan, read from its file in this worker. An empty task only loads the modules. */
export async function planFromFile(task: WitnessTask | null): Promise<ConformancePlan | null> {
  if (task === null) return null;
  if (cached?.file !== task.file) cached = { file: task.file, tests: readFixtureFile(task.file) };
  const fixture = cached.tests[task.name];
  if (fixture === undefined) throw new Error(`${task.file} has no test named ${task.name}`);
  return planConformanceCase(fixture, task.witness);
}
