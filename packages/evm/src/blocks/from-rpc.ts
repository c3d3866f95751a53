import {
  type Block,
  createBlockFromRPC,
  genTransactionsTrieRoot,
  genWithdrawalsTrieRoot,
  type JSONRPCBlock,
} from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { bytesToHex } from "@ethereumjs/util";
import { describeError, EvmError } from "../errors.js";
import type { Hex } from "../hex.js";
import { type BlockInput, decodeBlock } from "./rlp.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mismatch(what: string, rebuilt: string, claimed: unknown, blockNumber?: bigint): EvmError {
  return new EvmError(
    "BLOCK_HASH_MISMATCH",
    `${what}: rebuilt hash ${rebuilt} differs from the claimed ${String(claimed)}`,
    blockNumber === undefined ? undefined : { blockNumber },
  );
}

/**
 * Rebuilds a block from an `eth_getBlockByNumber(n, true)` answer (untrusted JSON) and requires
 * the rebuilt block and each transaction to hash to the hashes the answer claims, and the body to
 * the header's transactions and withdrawals roots, so a block that does not reconstruct exactly is
 * refused instead of executed. The block hash covers the header only: an answer missing a
 * transaction (or one without its `hash`) would otherwise pass, and fail later as an invalid block.
 */
export async function blockFromRpc(json: unknown, common: Common): Promise<Block> {
  if (!isObject(json) || typeof json.hash !== "string" || !Array.isArray(json.transactions)) {
    throw new EvmError("INVALID_INPUT", "JSON-RPC block: not an object with a hash and a transactions list");
  }
  const label = `JSON-RPC block ${String(json.number)}`;
  if (!json.transactions.every(isObject)) {
    throw new EvmError("INVALID_INPUT", `${label}: transactions must be full objects (ask with full = true)`);
  }
  if (Array.isArray(json.uncles) && json.uncles.length > 0) {
    throw new EvmError("INVALID_INPUT", `${label}: has ommers, which a proof-of-stake block cannot`);
  }
  let block: Block;
  try {
    block = createBlockFromRPC(json as unknown as JSONRPCBlock, [], { common });
  } catch (error) {
    throw new EvmError("INVALID_INPUT", `${label}: does not form a block: ${describeError(error)}`, {
      cause: error,
    });
  }
  const blockNumber = block.header.number;
  for (const [index, tx] of block.transactions.entries()) {
    const claimed = (json.transactions[index] as Record<string, unknown>).hash;
    const rebuilt = bytesToHex(tx.hash());
    if (typeof claimed === "string" && rebuilt !== claimed.toLowerCase()) {
      throw mismatch(`block ${blockNumber}: transaction ${index}`, rebuilt, claimed, blockNumber);
    }
  }
  requireBlockHash(block, json.hash as Hex);
  await requireBodyRoots(block, common);
  return block;
}

async function requireBodyRoots(block: Block, common: Common): Promise<void> {
  const { header, transactions, withdrawals } = block;
  const trie = () => new MerklePatriciaTrie({ common });
  const requireRoot = (what: string, rebuilt: Uint8Array, claimed: Uint8Array) => {
    if (bytesToHex(rebuilt) !== bytesToHex(claimed)) {
      throw mismatch(
        `block ${header.number}: ${what}`,
        bytesToHex(rebuilt),
        bytesToHex(claimed),
        header.number,
      );
    }
  };
  requireRoot(
    `transactions root of the ${transactions.length} transactions`,
    await genTransactionsTrieRoot(transactions, trie()),
    header.transactionsTrie,
  );
  if (withdrawals === undefined || header.withdrawalsRoot === undefined) return;
  requireRoot(
    `withdrawals root of the ${withdrawals.length} withdrawals`,
    await genWithdrawalsTrieRoot(withdrawals, trie()),
    header.withdrawalsRoot,
  );
}

/** Decodes a block's RLP (e.g. `debug_getRawBlock`) and, when given, requires its hash. */
export function blockFromRlp(rlp: BlockInput, common: Common, expectedHash?: Hex): Block {
  const block = decodeBlock(rlp, common, "raw block");
  if (expectedHash !== undefined) requireBlockHash(block, expectedHash);
  return block;
}

function requireBlockHash(block: Block, expected: Hex): void {
  const rebuilt = bytesToHex(block.hash());
  if (rebuilt !== expected.toLowerCase()) {
    throw mismatch(`block ${block.header.number}`, rebuilt, expected, block.header.number);
  }
}
