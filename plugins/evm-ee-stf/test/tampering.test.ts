import { type Block, genTransactionsTrieRoot, type HeaderData } from "@ethereumjs/block";
import { createFeeMarket1559Tx, isFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { ProofContext } from "@paas/core";
import { blockToRpc } from "@paas/evm";
import { ALICE_KEY, buildMixedChain, type MixedChain, withHeader, withTransactions } from "@paas/evm/testing";
import type { PluginHarness, StubRpc } from "@paas/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextForBlocks, elRpcHandlers, type RpcHandlers } from "../src/testing.js";
import { errorOf, startHarness, startNode } from "./support/harness.js";

/**
 * The node serves a block of the range that is not the one the chain executed: a header field or a
 * transaction changed. When the context names the served block (its hash follows a header change),
 * the proof must fail permanently in the guest, naming the block and the check. When the context
 * names the real block, a changed header no longer hashes to the context's hash: at the range's
 * start or end that is a `ReorgError` before proving; in the middle the range stops linking, which
 * the fetch retries as a chain that moved, then gives up on permanently. A changed transaction under
 * the real header hashes as the real block: the guest's transactions root check refuses it.
 */
describe("a tampered block is rejected", () => {
  let chain: MixedChain;
  let node: StubRpc;
  let harness: PluginHarness;
  let original: RpcHandlers;

  beforeAll(async () => {
    chain = await buildMixedChain();
    original = elRpcHandlers(chain.chain);
    node = await startNode(chain.chain);
    harness = await startHarness(node);
  });
  afterEach(() => {
    for (const method of ["eth_getBlockByNumber", "debug_getRawBlock"])
      node.handle(method, original[method]!);
  });
  afterAll(async () => {
    await harness?.close();
    await node?.close();
  });

  const target = () => chain.blocks[2]!.block;

  /**
   * Serves `block` as block 3: its RLP (`debug_getRawBlock`, what the fetch reads) and its JSON
   * (`eth_getBlockByNumber`, which the fetch's last check of the range's end reads).
   */
  function serveAsBlock3(block: Block): void {
    const json = blockToRpc(block);
    const rlp = bytesToHex(block.serialize());
    node.handle("eth_getBlockByNumber", (params) => {
      const [ref, full] = params as [string, boolean];
      if (ref !== "0x3") return original.eth_getBlockByNumber!(params);
      return full ? json : { ...json, transactions: json.transactions.map((tx) => tx.hash) };
    });
    node.handle("debug_getRawBlock", (params) =>
      (params as [string])[0] === "0x3" ? rlp : original.debug_getRawBlock!(params),
    );
  }

  /** The statuses a task goes through from now on (the harness keeps every transition). */
  function statusesFromNow(context: ProofContext): () => string[] {
    const from = harness.transitions.length;
    return () =>
      harness.transitions
        .slice(from)
        .filter((t) => t.id === harness.keyOf(context))
        .map((t) => t.to);
  }

  async function failureOf(block: Block): Promise<string> {
    serveAsBlock3(block);
    const hash = bytesToHex(block.hash());
    const context = { kind: "evm-ee-stf", start: { number: 3, hash }, end: { number: 3, hash } };
    const { record } = await harness.prove(context);
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

  /** A header change the guest would refuse anyway: gas used off by one. */
  const tamperedHeader = () => withHeader(target(), { gasUsed: target().header.gasUsed + 1n });

  it("refuses, before proving, a tampered raw block at the range's start or end: its hash is not the context's (a reorg)", async () => {
    const tampered = bytesToHex(tamperedHeader().hash());
    const real = chain.blocks[2]!.hash;
    serveAsBlock3(tamperedHeader());
    // The node still claims the real block's hash (so the context is admitted); only the raw bytes
    // are another block's, and the fetcher hashes the bytes rather than trust the claim.
    node.handle("eth_getBlockByNumber", original.eth_getBlockByNumber!);
    for (const [context, end] of [
      [contextForBlocks(chain.blocks[2]!, chain.blocks[3]!), "start"],
      [contextForBlocks(chain.blocks[1]!, chain.blocks[2]!), "end"],
    ] as const) {
      const statuses = statusesFromNow(context);
      const { record } = await harness.prove(context);
      expect(errorOf(record)).toBe(
        `reorg: the EL node's block 3 is ${tampered}, not ${real} as the context's ${end} says; the range is no longer canonical`,
      );
      expect(statuses()).not.toContain("transient_failure");
    }
  });

  it("retries a tampered raw block in the middle of the range (the range no longer links), then fails permanently", async () => {
    serveAsBlock3(tamperedHeader());
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[3]!);
    const statuses = statusesFromNow(context);
    const { record } = await harness.prove(context);
    // Both ends match, so a break is what a chain moving during the fetch looks like: transient,
    // until the scheduler's retries run out (5 in the harness).
    expect(errorOf(record)).toBe(
      `gave up after 5 retries: the EL node's chain changed during the fetch: block 4's parent hash ` +
        `${chain.blocks[2]!.hash} is not the hash ${bytesToHex(tamperedHeader().hash())} of the block 3 it served`,
    );
    expect(statuses().filter((s) => s === "transient_failure")).toHaveLength(5);
  });

  it("leaves a tampered transaction under the real header to the guest, at the range's end or in its middle", async () => {
    const txs = [...target().transactions];
    txs[0] = tamperedTransactions(false)[0]!;
    const block = withTransactions(target(), txs);
    // The header is the real one: the block hashes as the context says.
    expect(bytesToHex(block.hash())).toBe(chain.blocks[2]!.hash);
    serveAsBlock3(block);
    for (const context of [
      contextForBlocks(chain.blocks[0]!, chain.blocks[2]!),
      contextForBlocks(chain.blocks[1]!, chain.blocks[4]!),
    ]) {
      const statuses = statusesFromNow(context);
      const { record } = await harness.prove(context);
      expect(errorOf(record)).toMatch(
        /the guest failed: INVALID_BLOCK: block 3: execution rejected the block: invalid transaction trie/,
      );
      expect(statuses()).not.toContain("transient_failure");
    }
  });

  it("refuses, before proving, a raw block that does not decode or is another block, naming it", async () => {
    const context = contextForBlocks(chain.blocks[1]!, chain.blocks[3]!);
    node.handle("debug_getRawBlock", (params) =>
      (params as [string])[0] === "0x3"
        ? chain.blocks[2]!.rlp.slice(0, -2)
        : original.debug_getRawBlock!(params),
    );
    let statuses = statusesFromNow(context);
    let { record } = await harness.prove(context);
    expect(errorOf(record)).toMatch(
      /^block 3: the EL node's raw block is unusable: INVALID_BLOCK: block 3: block RLP does not decode: /,
    );
    expect(statuses()).not.toContain("transient_failure");

    node.handle("debug_getRawBlock", (params) =>
      (params as [string])[0] === "0x3" ? chain.blocks[1]!.rlp : original.debug_getRawBlock!(params),
    );
    statuses = statusesFromNow(context);
    ({ record } = await harness.prove(context));
    expect(errorOf(record)).toBe("block 3: the EL node's raw block is block 2, not the block 3 asked for");
    expect(statuses()).not.toContain("transient_failure");
  });
});
