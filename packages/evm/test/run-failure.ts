import type { EvmError } from "../src/index.js";

/** The error a run fails with (fails the test if the run succeeds). */
export async function failure(run: Promise<unknown>): Promise<EvmError> {
  try {
    await run;
  } catch (error) {
    return error as EvmError;
  }
  throw new Error("the run succeeded");
}
