import type { ChainSpec } from "../chain-spec/chain-spec.js";
import {
  EvmError,
  type EvmErrorCode,
  MissingAncestorError,
  MissingCodeError,
  MissingWitnessNodeError,
} from "../errors.js";
import type { Hex } from "../hex.js";
import type { BlockCommitment } from "../stateless/execute.js";
import type { ExecutionWitness } from "../witness/types.js";

/** A stateless execution in plain data, as it crosses to the helper thread. */
export interface SyncStatelessInput {
  /** The rules: a chain spec (checked again on the helper thread: one that does not parse fails). */
  readonly chainSpec: ChainSpec;
  /** Block RLPs, oldest first. */
  readonly blocks: readonly Hex[];
  readonly witnesses: readonly ExecutionWitness[];
}

export interface SyncRequest {
  readonly input: SyncStatelessInput;
  /** Its slots are in `./signal.ts`: the answer is posted, and the blocks proven so far. */
  readonly signal: Int32Array;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: EvmErrorCode;
  readonly blockNumber?: bigint;
  readonly hash?: string;
  readonly ancestorNumber?: bigint;
}

/** What a synchronous execution proved: under which chain spec (its hash), which blocks. */
export interface SyncStatelessResult {
  /** `chainSpecHash` of the spec as the helper parsed and applied it. */
  readonly chainSpecHash: Hex;
  readonly commitments: BlockCommitment[];
}

export type SyncResponse =
  | ({ readonly ok: true } & SyncStatelessResult)
  | { readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof MissingWitnessNodeError) return { ...base(error), hash: error.nodeHash };
  if (error instanceof MissingCodeError) return { ...base(error), hash: error.codeHash };
  if (error instanceof MissingAncestorError) return { ...base(error), ancestorNumber: error.ancestorNumber };
  if (error instanceof EvmError) return base(error);
  return { name: "Error", message: error instanceof Error ? error.message : String(error) };
}

function base(error: EvmError): SerializedError {
  return { name: error.name, message: error.message, code: error.code, blockNumber: error.blockNumber };
}

/** The same error class and fields on this side of the thread boundary. */
export function deserializeError(error: SerializedError): Error {
  const blockNumber = error.blockNumber ?? 0n;
  if (error.code === "MISSING_WITNESS_NODE" && error.hash !== undefined) {
    return new MissingWitnessNodeError(error.hash, blockNumber);
  }
  if (error.code === "MISSING_CODE" && error.hash !== undefined)
    return new MissingCodeError(error.hash, blockNumber);
  if (error.code === "MISSING_ANCESTOR" && error.ancestorNumber !== undefined) {
    return new MissingAncestorError(error.ancestorNumber, blockNumber);
  }
  if (error.code !== undefined) {
    return new EvmError(error.code, error.message, { blockNumber: error.blockNumber });
  }
  return new Error(error.message);
}
