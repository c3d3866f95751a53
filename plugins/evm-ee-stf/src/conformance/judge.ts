/**
 * The verdict on one test's plan: each valid range must be proven (the receipt verifies, names
 * the fixture network's chain id and chain spec, reaches each block's state root and the test's
 * last block hash), and each invalid block must be refused by the program itself.
 */

import { toHex } from "@paas/core/contracts";
import { chainSpecHash, fixtureChainSpec } from "@paas/evm";
import type { NativeHost } from "@paas/zkvm";
import { evmEeStfProgram } from "../program.js";
import type { ProofJob } from "./plan.js";

/**
 * Refusals that say the witness or the input was short, not that the block is invalid: with the
 * full pre-state as the witness, one of these means the run, not the block, was at fault.
 */
const NOT_A_JUDGEMENT = new Set([
  "MISSING_WITNESS_NODE",
  "MISSING_CODE",
  "MISSING_ANCESTOR",
  "INVALID_WITNESS",
  "INVALID_INPUT",
  "INVALID_CHAIN_SPEC",
  "UNSUPPORTED_RULES",
  "EXECUTION_STALLED",
]);

export type JobVerdict =
  | { readonly outcome: "valid-proven"; readonly blocks: number }
  | { readonly outcome: "invalid-refused"; readonly code: string }
  | { readonly outcome: "soundness-failure"; readonly error: string }
  | { readonly outcome: "failed"; readonly error: string };

/**
 * Loads the program and starts its EVM helper in every proving worker: each gets an input whose
 * block does not decode, which the guest refuses only after the helper has loaded.
 */
export async function warmUpHost(host: NativeHost, workers = host.concurrency): Promise<void> {
  const input = {
    chainSpec: fixtureChainSpec("Cancun"),
    blocks: [{ rlp: new Uint8Array([0xc0]), witness: { state: [], codes: [], headers: [] } }],
  };
  await Promise.all(
    Array.from({ length: workers }, () => host.prove(evmEeStfProgram, input).catch(() => undefined)),
  );
}

export async function judgeJob(
  host: NativeHost,
  network: string,
  job: ProofJob,
  signal: AbortSignal,
): Promise<JobVerdict> {
  let receipt: Awaited<ReturnType<NativeHost["prove"]>>;
  try {
    receipt = await host.prove(evmEeStfProgram, job.input, { signal });
  } catch (error) {
    if (signal.aborted) {
      // The host replaced the aborted worker: load the program in the new one before the next test.
      await warmUpHost(host, 1);
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (job.kind === "valid") return { outcome: "failed", error: `${job.label}: ${message}` };
    const code = /the guest failed: ([A-Z_]+): /.exec(message)?.[1];
    if (code === undefined || NOT_A_JUDGEMENT.has(code)) {
      return {
        outcome: "failed",
        error: `${job.label} was refused for a reason that is not the block's own: ${message}`,
      };
    }
    return { outcome: "invalid-refused", code };
  }
  if (job.kind === "invalid") {
    return {
      outcome: "soundness-failure",
      error: `SOUNDNESS: ${job.label} must be refused, but the program proved it`,
    };
  }
  host.verify(receipt, evmEeStfProgram);
  const output = evmEeStfProgram.readOutput(receipt.publicValues);
  const spec = fixtureChainSpec(network);
  const fail = (detail: string): JobVerdict => ({ outcome: "failed", error: `${job.label}: ${detail}` });
  if (output.chainId !== spec.chainId)
    return fail(`the proof names chain ${output.chainId}, the network's is ${spec.chainId}`);
  if (toHex(output.chainSpecHash) !== chainSpecHash(spec)) {
    return fail(
      `the proof's chain spec hash ${toHex(output.chainSpecHash)} is not network ${network}'s ${chainSpecHash(spec)}`,
    );
  }
  if (output.blocks.length !== job.stateRoots.length) {
    return fail(`the proof covers ${output.blocks.length} blocks, the range has ${job.stateRoots.length}`);
  }
  for (const [index, expected] of job.stateRoots.entries()) {
    const reached = toHex(output.blocks[index]!.stateRoot);
    if (expected !== undefined && reached !== expected) {
      return fail(
        `block ${index + 1} of the range: the proof reached state root ${reached}, the test says ${expected}`,
      );
    }
  }
  const last = toHex(output.blocks[output.blocks.length - 1]!.hash);
  if (job.lastHash !== undefined && last !== job.lastHash) {
    return fail(`the proof ends at block ${last}, the test's lastblockhash is ${job.lastHash}`);
  }
  return { outcome: "valid-proven", blocks: output.blocks.length };
}
