/**
 * The EVM EE STF program. A proving worker imports this module, so it imports `@paas/zkvm/program`
 * (never `@paas/zkvm`), the EVM package and the rollup's types, and nothing of the host side.
 */
import { fromHex } from "@paas/core/contracts";
import {
  type BlockCommitment,
  executeBlocksStatelesslySync,
  isEvmError,
  type SyncStatelessResult,
} from "@paas/evm/sync";
import {
  EVM_EE_STF,
  type EvmBlockCommitment,
  type EvmEeStfOutput,
  EvmEeStfOutputSsz,
} from "@paas/rollup/model";
import { defineProgram } from "@paas/zkvm/program";
import { type EvmEeStfInput, readEvmEeStfInput, writeEvmEeStfInput } from "./input.js";

/**
 * Proves a range of EL blocks by executing them statelessly from their witnesses (see
 * `executeBlocksStatelessly` of @paas/evm for the checks, in order) under the input's chain spec,
 * each block under the fork its number and timestamp fall under. Public values: exactly
 * `EvmEeStfOutputSsz.serialize(output)`: the chain id and the hash (`chainSpecHash`) of the spec the
 * blocks were executed under, and one `{ number, hash, parentHash, stateRoot }` per block. Any failed
 * check throws, which the host turns into a permanent failure carrying the message
 * (`CHECK_CODE: block N: …`).
 */
export const evmEeStfProgram = defineProgram<EvmEeStfInput, EvmEeStfOutput>({
  name: EVM_EE_STF.program.name,
  version: EVM_EE_STF.program.version,
  proofType: EVM_EE_STF.program.proofType,
  module: import.meta.url,
  writeInput: writeEvmEeStfInput,
  guest(env) {
    const input = readEvmEeStfInput(env);
    let result: SyncStatelessResult;
    try {
      result = executeBlocksStatelesslySync(input);
    } catch (error) {
      // The code names the check; @paas/evm's message names the block and what was wrong.
      throw new Error(
        isEvmError(error)
          ? `${error.code}: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error),
      );
    }
    // What the blocks were executed under: the chain id (transactions signed for another chain do
    // not decode) and the spec's hash (which fork each block followed), as the executor parsed it.
    const output: EvmEeStfOutput = {
      chainId: input.chainSpec.chainId,
      chainSpecHash: fromHex(result.chainSpecHash),
      blocks: result.commitments.map(toOutputBlock),
    };
    env.commitBytes(EvmEeStfOutputSsz.serialize(output));
  },
  readOutput: (publicValues) => EvmEeStfOutputSsz.deserialize(publicValues),
});

function toOutputBlock(commitment: BlockCommitment): EvmBlockCommitment {
  return {
    number: commitment.number,
    hash: fromHex(commitment.hash),
    parentHash: fromHex(commitment.parentHash),
    stateRoot: fromHex(commitment.stateRoot),
  };
}
