/**
 * Typed errors of block execution. Callers branch on `code`, never on message text; every
 * message names the block and the check that failed.
 */
export type EvmErrorCode =
  | "INVALID_WITNESS"
  | "INVALID_INPUT"
  | "MISSING_WITNESS_NODE"
  | "MISSING_CODE"
  | "MISSING_ANCESTOR"
  | "PARENT_MISMATCH"
  | "BLOCK_HASH_MISMATCH"
  | "STATE_ROOT_MISMATCH"
  | "RECEIPTS_ROOT_MISMATCH"
  | "LOGS_BLOOM_MISMATCH"
  | "GAS_USED_MISMATCH"
  | "REQUESTS_HASH_MISMATCH"
  | "INVALID_BLOCK"
  | "EXECUTION_STALLED"
  | "UNKNOWN_BLOCK"
  | "WITNESS_PRUNED"
  | "INVALID_CHAIN_SPEC"
  | "UNSUPPORTED_RULES";

export class EvmError extends Error {
  readonly code: EvmErrorCode;
  /** The block being checked when the error arose, when there was one. */
  readonly blockNumber: bigint | undefined;

  constructor(code: EvmErrorCode, message: string, options?: { blockNumber?: bigint; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.blockNumber = options?.blockNumber;
    this.name = new.target.name;
  }
}

/** A trie node the execution needed is not in the witness. */
export class MissingWitnessNodeError extends EvmError {
  constructor(
    readonly nodeHash: string,
    blockNumber: bigint,
  ) {
    super("MISSING_WITNESS_NODE", `block ${blockNumber}: witness lacks trie node ${nodeHash}`, {
      blockNumber,
    });
  }
}

/** Contract code the execution needed is not in the witness. */
export class MissingCodeError extends EvmError {
  constructor(
    readonly codeHash: string,
    blockNumber: bigint,
  ) {
    super("MISSING_CODE", `block ${blockNumber}: witness lacks code with hash ${codeHash}`, { blockNumber });
  }
}

/** BLOCKHASH (or header validation) asked for an ancestor that no hash-verified header provides. */
export class MissingAncestorError extends EvmError {
  constructor(
    readonly ancestorNumber: bigint,
    blockNumber: bigint,
  ) {
    super(
      "MISSING_ANCESTOR",
      `block ${blockNumber}: BLOCKHASH(${ancestorNumber}) needs ancestor header ${ancestorNumber}, absent from the witness headers`,
      { blockNumber },
    );
  }
}

/** A block's witness was asked for after the chain pruned it (it keeps only its newest blocks' witnesses). */
export class WitnessPrunedError extends EvmError {
  constructor(
    blockNumber: bigint,
    /** How many of its newest blocks' witnesses the chain keeps. */
    readonly retained: number,
  ) {
    super(
      "WITNESS_PRUNED",
      `block ${blockNumber}: its execution witness was pruned (the chain keeps the witnesses of its last ${retained} blocks)`,
      { blockNumber },
    );
  }
}

export function isEvmError(error: unknown): error is EvmError {
  return error instanceof EvmError;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
