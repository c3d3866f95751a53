/**
 * The CL STF program. Proving workers import this module, so it imports only
 * `@paas/zkvm/program` and the rollup's pure model and chain rules (and core types, erased).
 */
import type { ProofReceipt } from "@paas/core/contracts";
import {
  applyBlockRange,
  bytesEqual,
  type Chainstate,
  ChainstateSsz,
  CL_STF,
  type ClStfOutput,
  ClStfOutputSsz,
  EVM_EE_STF,
  type EvmBlockCommitment,
  type EvmEeStfOutput,
  EvmEeStfOutputSsz,
  MAX_EVM_BLOCKS_PER_PROOF,
  type RollupParams,
  RollupParamsSsz,
  type SignedL2Block,
  SignedL2BlockSsz,
  toHex,
} from "@paas/rollup/model";
import { defineProgram, type ExpectedProgram, type GuestEnv, programIdOf } from "@paas/zkvm/program";

/**
 * What the guest is given. Input items, in order: rollup params (SSZ bytes), the pre-state
 * chainstate (SSZ bytes), the block count (value), each block (SSZ bytes), the EVM EE STF receipt.
 */
export interface ClStfInput {
  readonly params: RollupParams;
  /** The chainstate at `start.slot - 1`: the range's pre-state. */
  readonly chainstate: Chainstate;
  /** The signed blocks of the range, consecutive, in slot order. */
  readonly blocks: readonly SignedL2Block[];
  /** The EVM EE STF receipt proving exactly the EL blocks the range carries. */
  readonly evmEeReceipt: ProofReceipt;
}

/**
 * One EL block per L2 block: a range cannot carry more EL blocks than one EVM EE STF proof may
 * cover, so that is also the most blocks one CL STF proof takes.
 */
export const MAX_BLOCKS_PER_PROOF = MAX_EVM_BLOCKS_PER_PROOF;

/** The EVM EE STF program the guest accepts receipts of: id, version and proof type. */
export const EVM_EE_STF_EXPECTED: ExpectedProgram = Object.freeze({
  programId: programIdOf(EVM_EE_STF.program.name, EVM_EE_STF.program.version),
  version: EVM_EE_STF.program.version,
  proofType: EVM_EE_STF.program.proofType,
});

/**
 * The guest's own checks, beside the chain rules' `BlockRejectedError` / `RangeRejectedError`:
 * - `INPUT`: an input item does not decode as the type it must be;
 * - `EVM_EE_RECEIPT`: the EVM EE STF receipt does not verify (forged, another program or version);
 * - `EVM_EE_OUTPUT`: its public values are not an `EvmEeStfOutput`;
 * - `EVM_EE_CHAIN_ID`: the EVM EE STF proof executed its EL blocks under another chain's rules than
 *   the rollup params' `chainId`;
 * - `EVM_EE_CHAIN_SPEC`: it executed them under another chain spec (fork schedule) than the one whose
 *   hash the rollup params name (`elChainSpecHash`);
 * - `EXEC_COVERAGE`: the proven EL blocks are not exactly the ones the range carries, in order.
 */
export type ClStfCheck =
  | "INPUT"
  | "EVM_EE_RECEIPT"
  | "EVM_EE_OUTPUT"
  | "EVM_EE_CHAIN_ID"
  | "EVM_EE_CHAIN_SPEC"
  | "EXEC_COVERAGE";

/**
 * A failed guest check. Plain `Error` (guests do not load @paas/core): the native host reports
 * whatever a guest throws as a permanent failure carrying this message.
 */
export class ClStfRejectedError extends Error {
  readonly code = "CL_STF_REJECTED";

  constructor(
    readonly check: ClStfCheck,
    /** The slots the failure concerns, e.g. "slots 9..16", or "" when none are known yet. */
    where: string,
    detail: string,
  ) {
    super(`${where === "" ? "CL STF input" : where} rejected by the ${check} check: ${detail}`);
    this.name = "ClStfRejectedError";
  }
}

export const clStfProgram = defineProgram<ClStfInput, ClStfOutput>({
  name: CL_STF.program.name,
  version: CL_STF.program.version,
  proofType: CL_STF.program.proofType,
  module: import.meta.url,
  writeInput(input, writer) {
    writer.writeBytes(RollupParamsSsz.serialize(input.params));
    writer.writeBytes(ChainstateSsz.serialize(input.chainstate));
    writer.write(input.blocks.length);
    for (const block of input.blocks) writer.writeBytes(SignedL2BlockSsz.serialize(block));
    writer.writeReceipt(input.evmEeReceipt);
  },
  guest(env) {
    const params = decodeInput(env, RollupParamsSsz, "rollup params");
    const chainstate = decodeInput(env, ChainstateSsz, "chainstate");
    const blocks = readBlocks(env);
    const where = rangeLabel(blocks);
    const evmOutput = readEvmEeStfOutput(env, where);
    requireChainId(evmOutput, params, where);
    requireChainSpec(evmOutput, params, where);
    const proven = evmOutput.blocks;
    // Every block: signature, parent, slot, epoch, body root, exec segment = proven block, state root.
    // The output commits to the root of `params`: the ones all of this was checked against.
    const { output } = applyBlockRange(chainstate, blocks, params, proven);
    requireExactCoverage(blocks, proven, where);
    env.commitBytes(ClStfOutputSsz.serialize(output));
  },
  readOutput: (publicValues) => ClStfOutputSsz.deserialize(publicValues),
});

interface SszType<T> {
  deserialize(bytes: Uint8Array): T;
}

function decodeInput<T>(env: GuestEnv, type: SszType<T>, what: string): T {
  const bytes = env.readBytes();
  try {
    return type.deserialize(bytes);
  } catch (error) {
    throw new ClStfRejectedError("INPUT", "", `${what} does not decode: ${messageOf(error)}`);
  }
}

/** The block count, then each block's SSZ. */
function readBlocks(env: GuestEnv): SignedL2Block[] {
  const count = env.read<unknown>();
  if (
    typeof count !== "number" ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    count > MAX_BLOCKS_PER_PROOF
  ) {
    throw new ClStfRejectedError(
      "INPUT",
      "",
      `the block count must be 1..${MAX_BLOCKS_PER_PROOF}, got ${String(count)}`,
    );
  }
  return Array.from({ length: count }, (_, i) => decodeInput(env, SignedL2BlockSsz, `block ${i}`));
}

/** Verifies the EVM EE STF receipt (host key, program id, version, proof type) and decodes its output. */
function readEvmEeStfOutput(env: GuestEnv, where: string): EvmEeStfOutput {
  let publicValues: Uint8Array;
  try {
    publicValues = env.readVerified(EVM_EE_STF_EXPECTED);
  } catch (error) {
    throw new ClStfRejectedError("EVM_EE_RECEIPT", where, messageOf(error));
  }
  try {
    return EvmEeStfOutputSsz.deserialize(publicValues);
  } catch (error) {
    throw new ClStfRejectedError(
      "EVM_EE_OUTPUT",
      where,
      `the EVM EE STF public values are not an EvmEeStfOutput: ${messageOf(error)}`,
    );
  }
}

/**
 * The EL blocks were executed under the rules of the rollup's chain: the EVM EE STF output's chain
 * id is the params' `chainId` (the EL's chain id as well as the rollup's). Otherwise the proof says
 * nothing about how this chain's EL executes them (transaction signatures, the CHAINID opcode).
 */
function requireChainId(output: EvmEeStfOutput, params: RollupParams, where: string): void {
  if (output.chainId !== params.chainId) {
    throw new ClStfRejectedError(
      "EVM_EE_CHAIN_ID",
      where,
      `the EVM EE STF proof executed its EL blocks under the rules of chain ${output.chainId}, the rollup params name chain ${params.chainId}`,
    );
  }
}

/**
 * The EL blocks were executed under the rollup's EL fork schedule: the EVM EE STF output's chain
 * spec hash is the params' `elChainSpecHash`. The same blocks under another schedule (a fork a
 * block early or late) can reach other state roots, or the same ones by other rules.
 */
function requireChainSpec(output: EvmEeStfOutput, params: RollupParams, where: string): void {
  if (!bytesEqual(output.chainSpecHash, params.elChainSpecHash)) {
    throw new ClStfRejectedError(
      "EVM_EE_CHAIN_SPEC",
      where,
      `the EVM EE STF proof executed its EL blocks under the chain spec with hash ${toHex(output.chainSpecHash)}, ` +
        `the rollup params name ${toHex(params.elChainSpecHash)}`,
    );
  }
}

/**
 * `applyBlockRange` has matched every block's exec segment to a proven block of its number. What
 * is left: the proof covers nothing else. With as many proven blocks as blocks, and each carried
 * number found among them, the two lists are the same blocks; also require the same order.
 */
function requireExactCoverage(
  blocks: readonly SignedL2Block[],
  proven: readonly EvmBlockCommitment[],
  where: string,
): void {
  const carried = blocks.map((b) => b.body.execSegment.elBlockNumber);
  const provenNumbers = proven.map((b) => b.number);
  const same =
    carried.length === provenNumbers.length && carried.every((number, i) => number === provenNumbers[i]);
  if (!same) {
    throw new ClStfRejectedError(
      "EXEC_COVERAGE",
      where,
      `the EVM EE STF proof covers EL blocks ${numbers(provenNumbers)}, the range carries ${numbers(carried)}`,
    );
  }
}

function rangeLabel(blocks: readonly SignedL2Block[]): string {
  const first = blocks[0]?.header.slot;
  const last = blocks.at(-1)?.header.slot;
  return first === undefined || last === undefined ? "an empty range" : `slots ${first}..${last}`;
}

/** "[5..12]" for consecutive numbers, else the list (shortened). */
function numbers(list: readonly number[]): string {
  const first = list[0];
  const last = list.at(-1);
  if (first === undefined || last === undefined) return "[] (none)";
  const consecutive = list.every((n, i) => n === first + i);
  if (consecutive) return `${first}..${last} (${list.length})`;
  const shown = list.length > 12 ? [...list.slice(0, 6), "…", ...list.slice(-6)] : list;
  return `[${shown.join(", ")}] (${list.length})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
