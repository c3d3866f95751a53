import type { ExecutionWitness, Hex } from "@paas/evm";
import { type ExecutionWitness as ServedWitness, toHex } from "@paas/rollup";
import { afterAll } from "vitest";
import { type Devnet, type DevnetOptions, startDevnet } from "../src/index.js";

/** Fixed test trust: a prover key and program id; tests that prove use their own host's key. */
export const SOME_PROVER_KEY = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
export const SOME_PROGRAM_ID = `0x${"ab".repeat(32)}`;

const started: Devnet[] = [];

afterAll(async () => {
  await Promise.all(started.splice(0).map((devnet) => devnet.close()));
});

/** A devnet on a free loopback port, closed after the test file; no timer unless `blockTimeMs` is given. */
export async function testDevnet(options: Partial<DevnetOptions> = {}): Promise<Devnet> {
  const devnet = await startDevnet({
    trustedProverKey: SOME_PROVER_KEY,
    checkpointProgramId: SOME_PROGRAM_ID,
    ...options,
  });
  started.push(devnet);
  return devnet;
}

/** The thrown error of a promise that must fail. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** Fails with "timed out" if `run` has not settled within `ms`: a hang becomes a failure, not a stuck run. */
export async function withTimeout<T>(run: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A witness as `ElClient` returns it (bytes), in the form @paas/evm takes (hex strings). */
export function hexWitness(witness: ServedWitness): ExecutionWitness {
  const hex = (items: readonly Uint8Array[]) => items.map((item) => toHex(item) as Hex);
  return {
    state: hex(witness.state),
    codes: hex(witness.codes),
    keys: hex(witness.keys),
    headers: hex(witness.headers),
  };
}
