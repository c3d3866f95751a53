import { type Block, type BlockBytes, createBlockFromBytesArray } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { forkScheduleHint, requireExecutedRules, withScheduleHint } from "../chain-spec/block-rules.js";
import { describeError, EvmError } from "../errors.js";
import type { Hex } from "../hex.js";
import { HEADER_NUMBER, HEADER_TIMESTAMP } from "./header-fields.js";

/** A block as callers hand it over: decoded, or its RLP as bytes or hex. */
export type BlockInput = Block | Uint8Array | Hex;

/**
 * Decodes a block from RLP under the given rules, at the fork its number and timestamp fall under
 * (`setHardfork`). A block outside the executed rules (before the merge, or of a fork after
 * Prague) is refused before it is decoded under rules that are not its own. A `Block` object is
 * taken as is, provided it was built under the same chain id and its fork.
 */
export function decodeBlock(input: BlockInput, common: Common, label: string): Block {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    const { number, timestamp } = input.header;
    requireExecutedRules(common, number, timestamp);
    const expected = common.getHardforkBy({ blockNumber: number, timestamp });
    if (input.common.chainId() !== common.chainId() || input.common.hardfork() !== expected) {
      throw new EvmError(
        "INVALID_INPUT",
        `${label}: block was built for chain ${input.common.chainId()}/${input.common.hardfork()}, expected ${common.chainId()}/${expected}`,
      );
    }
    return input;
  }
  let bytes: Uint8Array;
  let values: Uint8Array[][];
  let number: bigint;
  let timestamp: bigint;
  let headerFields: number;
  try {
    bytes = typeof input === "string" ? hexToBytes(input) : input;
    values = RLP.decode(bytes) as Uint8Array[][];
    const header = values[0];
    if (!Array.isArray(values) || !Array.isArray(header) || header.length <= HEADER_TIMESTAMP) {
      throw new Error("not a list starting with a header list");
    }
    number = bytesToBigInt(header[HEADER_NUMBER]!);
    timestamp = bytesToBigInt(header[HEADER_TIMESTAMP]!);
    headerFields = header.length;
  } catch (error) {
    throw new EvmError("INVALID_BLOCK", `${label}: block RLP does not decode: ${describeError(error)}`, {
      cause: error,
    });
  }
  requireExecutedRules(common, number, timestamp);
  let block: Block;
  try {
    block = createBlockFromBytesArray(values as BlockBytes, { common, setHardfork: true });
  } catch (error) {
    const hint = forkScheduleHint(common, headerFields, number, timestamp);
    throw new EvmError(
      "INVALID_BLOCK",
      `${label}: block RLP does not decode: ${withScheduleHint(describeError(error), hint)}`,
      { blockNumber: number, cause: error },
    );
  }
  // The decoder forgives what a full node refuses (integers with leading zeros, elements after the
  // body, a withdrawals root it fills in): a block is taken only in the one encoding it has, so
  // the bytes a proof was given are the block whose hash it commits.
  if (!equalsBytes(block.serialize(), bytes)) {
    throw new EvmError(
      "INVALID_BLOCK",
      `${label}: block ${number} is not canonically encoded: its RLP does not re-encode to the same bytes (leading zeros, extra or missing fields)`,
      { blockNumber: number },
    );
  }
  return block;
}
