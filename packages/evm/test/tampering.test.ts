import { type Block, genTransactionsTrieRoot } from "@ethereumjs/block";
import { createFeeMarket1559Tx, isFeeMarket1559Tx } from "@ethereumjs/tx";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ChainBlock,
  type EvmErrorCode,
  type ExecutionWitness,
  executeBlocksStatelessly,
} from "../src/index.js";
import {
  ALICE_KEY,
  buildMixedChain,
  type MixedChain,
  withHeader,
  withTransactions,
} from "../src/testing/index.js";

async function codeOf(
  mixed: MixedChain,
  blocks: Block[],
  witnesses: ExecutionWitness[],
): Promise<EvmErrorCode | "none"> {
  try {
    await executeBlocksStatelessly({ common: mixed.common, blocks, witnesses });
    return "none";
  } catch (error) {
    return (error as { code: EvmErrorCode }).code;
  }
}

describe("a block that does not match its execution is rejected", () => {
  let mixed: MixedChain;
  let target: ChainBlock;
  beforeAll(async () => {
    mixed = await buildMixedChain();
    target = mixed.blocks[2]!;
  });

  const headerCases: [string, (block: Block) => Parameters<typeof withHeader>[1], EvmErrorCode][] = [
    ["state root", () => ({ stateRoot: new Uint8Array(32).fill(1) }), "STATE_ROOT_MISMATCH"],
    ["receipts root", () => ({ receiptTrie: new Uint8Array(32).fill(2) }), "RECEIPTS_ROOT_MISMATCH"],
    ["logs bloom", () => ({ logsBloom: new Uint8Array(256) }), "LOGS_BLOOM_MISMATCH"],
    ["gas used", (block) => ({ gasUsed: block.header.gasUsed + 1n }), "GAS_USED_MISMATCH"],
    ["requests hash", () => ({ requestsHash: new Uint8Array(32).fill(3) }), "REQUESTS_HASH_MISMATCH"],
    ["timestamp", (block) => ({ timestamp: block.header.timestamp - 13n }), "INVALID_BLOCK"],
    ["base fee", (block) => ({ baseFeePerGas: (block.header.baseFeePerGas ?? 0n) + 1n }), "INVALID_BLOCK"],
    ["gas limit", (block) => ({ gasLimit: block.header.gasLimit * 2n }), "INVALID_BLOCK"],
    ["number", (block) => ({ number: block.header.number + 1n }), "INVALID_BLOCK"],
    ["excess blob gas", () => ({ excessBlobGas: 131072n }), "INVALID_BLOCK"],
    ["blob gas used", () => ({ blobGasUsed: 131072n }), "INVALID_BLOCK"],
    ["withdrawals root", () => ({ withdrawalsRoot: new Uint8Array(32).fill(6) }), "INVALID_BLOCK"],
    // The EIP-4788 contract stores it: another root is another post-state.
    [
      "parent beacon block root",
      () => ({ parentBeaconBlockRoot: new Uint8Array(32).fill(7) }),
      "STATE_ROOT_MISMATCH",
    ],
    ["transactions root", () => ({ transactionsTrie: new Uint8Array(32).fill(4) }), "INVALID_BLOCK"],
    ["coinbase", () => ({ coinbase: new Uint8Array(20).fill(5) }), "STATE_ROOT_MISMATCH"],
  ];
  for (const [field, change, code] of headerCases) {
    it(`rejects a wrong ${field} with ${code}`, async () => {
      const tampered = withHeader(target.block, change(target.block));
      expect(await codeOf(mixed, [tampered], [target.witness])).toBe(code);
    });
  }

  it("rejects a timestamp equal to its parent's with INVALID_BLOCK", async () => {
    const parent = mixed.blocks[1]!.block.header;
    const tampered = withHeader(target.block, { timestamp: parent.timestamp });
    expect(await codeOf(mixed, [tampered], [target.witness])).toBe("INVALID_BLOCK");
  });

  /** The fields of the block's first transaction, an EIP-1559 call. */
  function firstTransactionData() {
    const tx = target.block.transactions[0];
    if (tx === undefined || !isFeeMarket1559Tx(tx)) throw new Error("expected an EIP-1559 transaction first");
    const { nonce, maxFeePerGas, maxPriorityFeePerGas, gasLimit, to, data, accessList, v, r, s } = tx;
    return {
      unsigned: { nonce, maxFeePerGas, maxPriorityFeePerGas, gasLimit, to, data, accessList },
      v,
      r,
      s,
    };
  }

  /** The first transaction with its value changed and its signature kept. */
  function tamperedTransactions() {
    const { unsigned, v, r, s } = firstTransactionData();
    const txs = [...target.block.transactions];
    txs[0] = createFeeMarket1559Tx({ ...unsigned, value: 1n, v, r, s }, { common: mixed.common });
    return txs;
  }

  it("rejects a tampered transaction under the original header (transactions root)", async () => {
    const tampered = withTransactions(target.block, tamperedTransactions());
    expect(await codeOf(mixed, [tampered], [target.witness])).toBe("INVALID_BLOCK");
  });

  it("rejects a tampered transaction with a matching transactions root (its signature no longer holds)", async () => {
    const txs = tamperedTransactions();
    const tampered = withHeader(withTransactions(target.block, txs), {
      transactionsTrie: await genTransactionsTrieRoot(txs),
    });
    // The signature now recovers to another account, which the witness does not hold.
    expect(await codeOf(mixed, [tampered], [target.witness])).toBe("MISSING_WITNESS_NODE");
  });

  /** The block with its first transaction re-signed by its sender with `changes`, under a matching transactions root. */
  async function withResignedFirst(changes: { nonce?: bigint; value?: bigint; gasLimit?: bigint }) {
    const txs = [...target.block.transactions];
    const { unsigned } = firstTransactionData();
    txs[0] = createFeeMarket1559Tx({ ...unsigned, ...changes }, { common: mixed.common }).sign(ALICE_KEY);
    return withHeader(withTransactions(target.block, txs), {
      transactionsTrie: await genTransactionsTrieRoot(txs),
    });
  }

  const invalidTransactionCases: [string, () => Parameters<typeof withResignedFirst>[0]][] = [
    ["a nonce one ahead of its sender's", () => ({ nonce: firstTransactionData().unsigned.nonce + 1n })],
    ["a value beyond its sender's balance", () => ({ value: 10n ** 30n })],
    ["a gas limit above the block's", () => ({ gasLimit: target.block.header.gasLimit + 1n })],
  ];
  for (const [what, change] of invalidTransactionCases) {
    it(`rejects a transaction signed by its sender with ${what} (INVALID_BLOCK)`, async () => {
      const tampered = await withResignedFirst(change());
      expect(await codeOf(mixed, [tampered], [target.witness])).toBe("INVALID_BLOCK");
    });
  }

  it("rejects a transaction re-signed by its sender with another value (state root)", async () => {
    const tampered = await withResignedFirst({ value: 1n });
    expect(await codeOf(mixed, [tampered], [target.witness])).toBe("STATE_ROOT_MISMATCH");
  });

  it("rejects a range whose blocks do not link by parent hash", async () => {
    const [first, , third] = mixed.blocks;
    expect(await codeOf(mixed, [first!.block, third!.block], [first!.witness, third!.witness])).toBe(
      "PARENT_MISMATCH",
    );
  });

  it("rejects a block whose parent is not among the witness headers", async () => {
    const other = mixed.blocks[1]!;
    expect(await codeOf(mixed, [target.block], [{ ...target.witness, headers: other.witness.headers }])).toBe(
      "PARENT_MISMATCH",
    );
  });

  it("rejects BLOCKHASH of an ancestor whose header is absent", async () => {
    const block = mixed.blocks[3]!;
    const parentOnly = { ...block.witness, headers: block.witness.headers.slice(0, 1) };
    expect(await codeOf(mixed, [block.block], [parentOnly])).toBe("MISSING_ANCESTOR");
  });

  it("rejects mismatched inputs", async () => {
    expect(await codeOf(mixed, [], [])).toBe("INVALID_INPUT");
    expect(await codeOf(mixed, [target.block], [])).toBe("INVALID_INPUT");
  });
});
