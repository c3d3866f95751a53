import { type Block, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { hexToBytes } from "@ethereumjs/util";
import { describeError, EvmError } from "../errors.js";
import type { Hex } from "../hex.js";

/** A block as callers hand it over: decoded, or its RLP as bytes or hex. */
export type BlockInput = Block | Uint8Array | Hex;

/**
 * Decodes a block from RLP under the given rules. A `Block` object is taken as is, provided it
 * was built under the same chain id and hardfork.
 */
export function decodeBlock(input: BlockInput, common: Common, label: string): Block {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    if (input.common.chainId() !== common.chainId() || input.common.hardfork() !== common.hardfork()) {
      throw new EvmError(
        "INVALID_INPUT",
        `${label}: block was built for chain ${input.common.chainId()}/${input.common.hardfork()}, expected ${common.chainId()}/${common.hardfork()}`,
      );
    }
    return input;
  }
  try {
    const bytes = typeof input === "string" ? hexToBytes(input) : input;
    return createBlockFromRLP(bytes, { common });
  } catch (error) {
    throw new EvmError("INVALID_BLOCK", `${label}: block RLP does not decode: ${describeError(error)}`, {
      cause: error,
    });
  }
}
