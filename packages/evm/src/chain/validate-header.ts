import type { Block, BlockHeader } from "@ethereumjs/block";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import { describeError, EvmError } from "../errors.js";

function invalid(header: BlockHeader, check: string, detail: string, cause?: unknown): EvmError {
  return new EvmError("INVALID_BLOCK", `block ${header.number}: ${check} check failed: ${detail}`, {
    blockNumber: header.number,
    cause,
  });
}

/**
 * The header rules that need the parent, as `@ethereumjs/blockchain` checks them for a
 * proof-of-stake chain (plus the parent link itself): number, timestamp, gas-limit bounds, base fee, excess blob gas, and the
 * presence of the requests hash. Rules that need only the header itself (difficulty, nonce,
 * uncle hash and extra data of a PoS block, field sizes) are checked when the header is decoded.
 */
export function validateHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): void {
  if (!equalsBytes(header.parentHash, parent.hash())) {
    throw new EvmError(
      "PARENT_MISMATCH",
      `block ${header.number}: parent check failed: parent hash ${bytesToHex(header.parentHash)} is not the hash ${bytesToHex(parent.hash())} of block ${parent.number}`,
      { blockNumber: header.number },
    );
  }
  if (header.number !== parent.number + 1n) {
    throw invalid(header, "header number", `parent is block ${parent.number}`);
  }
  if (header.timestamp <= parent.timestamp) {
    throw invalid(header, "timestamp", `${header.timestamp} is not after the parent's ${parent.timestamp}`);
  }
  try {
    header.validateGasLimit(parent);
  } catch (error) {
    throw invalid(header, "gas limit", describeError(error), error);
  }
  if (header.common.isActivatedEIP(1559)) {
    const expected = parent.common.isActivatedEIP(1559)
      ? parent.calcNextBaseFee()
      : header.common.param("initialBaseFee");
    if (header.baseFeePerGas !== expected) {
      throw invalid(header, "base fee", `header has ${header.baseFeePerGas}, parent implies ${expected}`);
    }
  }
  if (header.common.isActivatedEIP(4844)) {
    const expected = parent.calcNextExcessBlobGas(header.common);
    if (header.excessBlobGas !== expected) {
      throw invalid(
        header,
        "excess blob gas",
        `header has ${header.excessBlobGas}, parent implies ${expected}`,
      );
    }
  }
  if (header.common.isActivatedEIP(7685) && header.requestsHash === undefined) {
    throw invalid(header, "requests hash", "the header has none although EIP-7685 is active");
  }
}

/** The block rules that need the parent: the header's, and blob fees against the parent's excess blob gas. */
export function validateBlockAgainstParent(block: Block, parent: BlockHeader): void {
  validateHeaderAgainstParent(block.header, parent);
  if (block.uncleHeaders.length > 0) {
    throw invalid(
      block.header,
      "ommers",
      `a proof-of-stake block carries ${block.uncleHeaders.length} ommers`,
    );
  }
  try {
    block.validateBlobTransactions(parent);
  } catch (error) {
    throw invalid(block.header, "blob transactions", describeError(error), error);
  }
}
