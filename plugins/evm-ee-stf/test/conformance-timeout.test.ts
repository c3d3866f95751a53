import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createBlock, genTransactionsTrieRoot } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, KECCAK256_RLP } from "@ethereumjs/util";
import { commonForBlock, createFixtureCommon, ExecutionChain, type Hex, listFixtureFiles } from "@paas/evm";
import { ethereumInvalidTestsDir, ethereumTestsDir } from "@paas/evm/testing";
import { NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceSummary, runConformance } from "../src/index.js";

const SENDER_KEY = new Uint8Array(32).fill(0x42);
const LOOP = "0x00000000000000000000000000000000000000aa";
/** JUMPDEST PUSH1 0 JUMP: an endless loop, 11 gas a turn. */
const LOOP_CODE: Hex = "0x5b600056";
const GAS_LIMIT = 10n ** 15n;

/**
 * A Cancun test whose one block calls an endless loop with 10^12 gas: executing it takes days at
 * @ethereumjs's speed, so building its witnesses never ends. Its header's roots are never reached.
 */
async function endlessTest(): Promise<Record<string, unknown>> {
  const common = createFixtureCommon("Cancun");
  const sender = createAddressFromPrivateKey(SENDER_KEY).toString() as Hex;
  const pre = {
    [sender]: { balance: "0xd3c21bcecceda1000000", nonce: "0x00", code: "0x", storage: {} },
    [LOOP]: { balance: "0x00", nonce: "0x01", code: LOOP_CODE, storage: {} },
  };
  const chain = await ExecutionChain.create({
    common,
    alloc: {
      [sender]: { balance: 10n ** 24n },
      [LOOP]: { nonce: 1n, code: LOOP_CODE },
    },
    genesis: { gasLimit: GAS_LIMIT },
  });
  const parent = chain.head.block.header;
  const blockCommon = commonForBlock(common, 1n, parent.timestamp + 12n);
  const tx = createFeeMarket1559Tx(
    { nonce: 0n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, gasLimit: 10n ** 12n, to: LOOP },
    { common: blockCommon },
  ).sign(SENDER_KEY);
  const block = createBlock(
    {
      header: {
        parentHash: parent.hash(),
        number: 1n,
        timestamp: parent.timestamp + 12n,
        gasLimit: GAS_LIMIT,
        baseFeePerGas: parent.calcNextBaseFee(),
        excessBlobGas: parent.calcNextExcessBlobGas(blockCommon),
        blobGasUsed: 0n,
        parentBeaconBlockRoot: new Uint8Array(32),
        transactionsTrie: await genTransactionsTrieRoot(
          [tx],
          new MerklePatriciaTrie({ common: blockCommon }),
        ),
        withdrawalsRoot: KECCAK256_RLP,
      },
      transactions: [tx],
      withdrawals: [],
    },
    { common: blockCommon },
  );
  const rlp = `0x${Buffer.from(block.serialize()).toString("hex")}`;
  return {
    endless_Cancun: {
      network: "Cancun",
      genesisRLP: chain.head.rlp,
      pre,
      blocks: [{ rlp, blockHeader: { stateRoot: `0x${"00".repeat(32)}` } }],
      postState: {},
      lastblockhash: `0x${Buffer.from(block.hash()).toString("hex")}`,
    },
  };
}

describe("a test that exceeds its timeout", () => {
  let host: NativeHost;
  let summary: ConformanceSummary;
  let endless: string;
  let dir: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "conformance-timeout-"));
    endless = path.join(dir, "endless.json");
    writeFileSync(endless, JSON.stringify(await endlessTest()));
    const small = [
      listFixtureFiles(ethereumTestsDir()).find((file) => file.endsWith("bcExample/basefeeExample.json"))!,
      listFixtureFiles(ethereumInvalidTestsDir()).find((file) => file.endsWith("bcEIP1559/badBlocks.json"))!,
    ];
    host = new NativeHost({ workers: 1, privateKey: randomBytes(32) });
    // The endless test first: the others wait for the witness thread it holds, without their clocks running.
    summary = await runConformance(host, [endless, ...small], { timeoutMs: 8_000, witnessThreads: 1 });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("is reported as a timeout while the others complete", () => {
    expect(summary.results.map((r) => [path.basename(r.file), r.status])).toEqual([
      ["endless.json", "timeout"],
      ["basefeeExample.json", "passed"],
      ["badBlocks.json", "passed"],
    ]);
    expect(summary.results[0]!.error).toBe("timed out after 8000 ms of its own work");
    expect(summary.counts.timeouts).toBe(1);
    expect(summary.failed).toBe(1);
  });
});
