import { type Block, genTransactionsTrieRoot, type HeaderData } from "@ethereumjs/block";
import { createFeeMarket1559Tx, isFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { blockToRpc } from "@paas/evm";
import { ALICE_KEY, buildMixedChain, type MixedChain, withHeader, withTransactions } from "@paas/evm/testing";
import type { PluginHarness, StubRpc } from "@paas/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testing } from "../src/index.js";
import { errorOf, startHarness, startNode } from "./support/harness.js";

/**
 * The node serves a block of the range that is not the one the chain executed: a header field or a
 * transaction changed (the block hash follows the change, so the context names the served block).
 * The proof must fail permanently, naming the block and the check. A node whose JSON does not
 * rebuild to the hash it claims is refused before proving.
 */
describe("a tampered block is rejected", () => {
  let chain: MixedChain;
  let node: StubRpc;
  let harness: PluginHarness;
  let original: testing.RpcHandlers;

  beforeAll(async () => {
    chain = await buildMixedChain();
    original = testing.elRpcHandlers(chain.chain);
    node = await startNode(chain.chain);
    harness = await startHarness(node);
  });
  afterEach(() => {
    node.handle("eth_getBlockByNumber", original.eth_getBlockByNumber!);
  });
  afterAll(async () => {
    await harness?.close();
    await node?.close();
  });

  const target = () => chain.blocks[2]!.block;

  /** Serves `json` as block 3 (with or without full transactions, as asked). */
  function serveAsBlock3(json: ReturnType<typeof blockToRpc>): void {
    node.handle("eth_getBlockByNumber", (params) => {
      const [ref, full] = params as [string, boolean];
      if (ref !== "0x3") return original.eth_getBlockByNumber!(params);
      return full ? json : { ...json, transactions: json.transactions.map((tx) => tx.hash) };
    });
  }

  async function failureOf(block: Block): Promise<string> {
    serveAsBlock3(blockToRpc(block));
    const hash = bytesToHex(block.hash());
    const context = { kind: "evm-ee-stf", start: { number: 3, hash }, end: { number: 3, hash } };
    const { record } = await harness.prove(context, { timeoutMs: 30_000 });
    if (process.env.SHOW_ERRORS) console.log(errorOf(record));
    return errorOf(record);
  }

  const headerCases: [string, (block: Block) => HeaderData, RegExp][] = [
    [
      "state root",
      () => ({ stateRoot: new Uint8Array(32).fill(1) }),
      /STATE_ROOT_MISMATCH: block 3: state root check failed/,
    ],
    [
      "receipts root",
      () => ({ receiptTrie: new Uint8Array(32).fill(2) }),
      /RECEIPTS_ROOT_MISMATCH: block 3: receipts root check failed/,
    ],
    [
      "logs bloom",
      () => ({ logsBloom: new Uint8Array(256) }),
      /LOGS_BLOOM_MISMATCH: block 3: logs bloom check failed/,
    ],
    [
      "gas used",
      (b) => ({ gasUsed: b.header.gasUsed + 1n }),
      /GAS_USED_MISMATCH: block 3: gas used check failed/,
    ],
    [
      "requests hash",
      () => ({ requestsHash: new Uint8Array(32).fill(3) }),
      /REQUESTS_HASH_MISMATCH: block 3/,
    ],
    [
      "timestamp",
      (b) => ({ timestamp: b.header.timestamp - 13n }),
      /INVALID_BLOCK: block 3: timestamp check failed/,
    ],
    [
      "base fee",
      (b) => ({ baseFeePerGas: (b.header.baseFeePerGas ?? 0n) + 1n }),
      /INVALID_BLOCK: block 3: base fee check failed/,
    ],
    ["coinbase", () => ({ coinbase: new Uint8Array(20).fill(5) }), /STATE_ROOT_MISMATCH: block 3/],
  ];
  for (const [field, change, expected] of headerCases) {
    it(`rejects a wrong ${field}`, async () => {
      const error = await failureOf(withHeader(target(), change(target())));
      expect(error).toMatch(expected);
      expect(error).toMatch(/block 3/);
    });
  }

  /** The block's first transaction (an EIP-1559 call by Alice) with its value changed. */
  function tamperedTransactions(resign: boolean): TypedTransaction[] {
    const tx = target().transactions[0];
    if (tx === undefined || !isFeeMarket1559Tx(tx)) throw new Error("expected an EIP-1559 transaction first");
    const { nonce, maxFeePerGas, maxPriorityFeePerGas, gasLimit, to, data, accessList, v, r, s } = tx;
    const fields = { nonce, maxFeePerGas, maxPriorityFeePerGas, gasLimit, to, data, accessList, value: 1n };
    const txs = [...target().transactions];
    txs[0] = resign
      ? createFeeMarket1559Tx(fields, { common: chain.common }).sign(ALICE_KEY)
      : createFeeMarket1559Tx({ ...fields, v, r, s }, { common: chain.common });
    return txs;
  }

  it("rejects a tampered transaction under the original header (transactions root)", async () => {
    const error = await failureOf(withTransactions(target(), tamperedTransactions(false)));
    expect(error).toMatch(/INVALID_BLOCK: block 3: execution rejected the block: invalid transaction trie/);
  });

  it("rejects a tampered transaction with a matching transactions root (its signature no longer holds)", async () => {
    const txs = tamperedTransactions(false);
    const block = withHeader(withTransactions(target(), txs), {
      transactionsTrie: await genTransactionsTrieRoot(txs),
    });
    // The signature now recovers to another account, which the witness does not hold.
    expect(await failureOf(block)).toMatch(/MISSING_WITNESS_NODE: block 3: witness lacks trie node/);
  });

  it("rejects a transaction re-signed with another value (state root)", async () => {
    const txs = tamperedTransactions(true);
    const block = withHeader(withTransactions(target(), txs), {
      transactionsTrie: await genTransactionsTrieRoot(txs),
    });
    expect(await failureOf(block)).toMatch(/STATE_ROOT_MISMATCH: block 3: state root check failed/);
  });

  it("refuses, before proving, a node whose transaction does not hash to what it claims", async () => {
    const json = blockToRpc(target());
    const [first, ...rest] = json.transactions;
    serveAsBlock3({ ...json, transactions: [{ ...first!, value: "0x1" }, ...rest] });
    const { record } = await harness.prove(testing.contextForBlocks(chain.blocks[2]!), { timeoutMs: 30_000 });
    expect(errorOf(record)).toMatch(
      /block 3: the node's block cannot be rebuilt: BLOCK_HASH_MISMATCH: block 3: transaction 0: rebuilt hash 0x[0-9a-f]{64} differs from the claimed 0x[0-9a-f]{64}/,
    );
    expect(errorOf(record)).not.toContain("the guest failed");
  });

  it("refuses, before proving, a node whose header does not hash to what it claims", async () => {
    const json = blockToRpc(target());
    serveAsBlock3({ ...json, gasUsed: `0x${(target().header.gasUsed + 1n).toString(16)}` });
    const context = testing.contextForBlocks(chain.blocks[2]!);
    const { record } = await harness.prove(context, { timeoutMs: 30_000 });
    expect(errorOf(record)).toContain(
      `block 3: the node's block cannot be rebuilt: BLOCK_HASH_MISMATCH: block 3: rebuilt hash`,
    );
    expect(errorOf(record)).toContain(`differs from the claimed ${chain.blocks[2]!.hash}`);
    expect(errorOf(record)).not.toContain("the guest failed");
  });
});
