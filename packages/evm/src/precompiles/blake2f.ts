import { EVMError, type EVMOpts, type ExecResult, type PrecompileInput } from "@ethereumjs/evm";
import { blake2fCompress } from "./blake2f-wasm.js";

/** The BLAKE2F precompile's address (EIP-152). */
export const BLAKE2F_ADDRESS = "0x0000000000000000000000000000000000000009";

const INPUT_LENGTH = 213;

type EvmErrorType = ConstructorParameters<typeof EVMError>[0];

function failure(gasLimit: bigint, error: EvmErrorType): ExecResult {
  return { returnValue: new Uint8Array(0), executionGasUsed: gasLimit, exceptionError: new EVMError(error) };
}

/**
 * The BLAKE2F precompile (EIP-152) with the compression in WebAssembly: the same input checks,
 * gas and failures as @ethereumjs's `precompile09` (a 213-byte input ending in 0 or 1, else all
 * gas and OUT_OF_RANGE; `blake2RoundGas` per round, else OUT_OF_GAS), the same output. Plugged
 * in as a custom precompile of every VM this package creates.
 */
export function blake2fPrecompile(input: PrecompileInput): ExecResult {
  const { data, gasLimit } = input;
  const final = data[INPUT_LENGTH - 1];
  if (data.length !== INPUT_LENGTH || (final !== 0 && final !== 1)) {
    return failure(gasLimit, EVMError.errorMessages.OUT_OF_RANGE);
  }
  const rounds = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
  const gasUsed = input.common.param("blake2RoundGas") * BigInt(rounds);
  if (gasLimit < gasUsed) return failure(gasLimit, EVMError.errorMessages.OUT_OF_GAS);
  const returnValue = blake2fCompress(
    rounds,
    data.subarray(4, 68),
    data.subarray(68, 196),
    data.subarray(196, 212),
    final === 1,
  );
  return { executionGasUsed: gasUsed, returnValue };
}

/** The EVM options of every VM this package creates: the WebAssembly BLAKE2F in place of the library's. */
export function fastPrecompiles(): EVMOpts {
  return { customPrecompiles: [{ address: BLAKE2F_ADDRESS, function: blake2fPrecompile }] };
}
