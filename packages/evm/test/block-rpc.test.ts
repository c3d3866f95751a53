import { bytesToHex } from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  blockFromRlp,
  blockFromRpc,
  blockToRpc,
  type ChainBlock,
  EvmError,
  executeBlocksStatelessly,
  type RpcBlock,
} from "../src/index.js";
import { allTypesBlock, allTypesCommon as common } from "./support/all-types-block.js";

function throughJson(block: RpcBlock): Record<string, unknown> {
  return JSON.parse(JSON.stringify(block)) as Record<string, unknown>;
}

describe("blocks in the eth JSON-RPC shape", () => {
  let built: ChainBlock;
  let json: RpcBlock;
  beforeAll(async () => {
    built = await allTypesBlock();
    json = blockToRpc(built.block);
  });

  it("formats quantities, data and full transactions the way nodes do", () => {
    expect(json.number).toBe("0x1");
    expect(json.hash).toBe(built.hash);
    expect(json.nonce).toBe("0x0000000000000000");
    expect(json.size).toBe(`0x${((built.rlp.length - 2) / 2).toString(16)}`);
    expect(json.transactions.map((tx) => tx.type)).toEqual(["0x0", "0x1", "0x2", "0x3", "0x4"]);
    const [legacy, , dynamic, blob, setCode] = json.transactions;
    expect(legacy?.chainId).toBe("0x539");
    expect(legacy?.yParity).toBeUndefined();
    expect(dynamic?.gasPrice).toBe(`0x${((built.block.header.baseFeePerGas ?? 0n) + 3n).toString(16)}`);
    expect(blob?.blobVersionedHashes).toHaveLength(1);
    expect(setCode?.authorizationList).toHaveLength(12);
    expect(json.requestsHash).toBeDefined();
    expect(json.withdrawals).toEqual([]);
  });

  it("rebuilds exactly the same block from the JSON, which then executes statelessly", async () => {
    const rebuilt = await blockFromRpc(throughJson(json), common);
    expect(bytesToHex(rebuilt.serialize())).toBe(built.rlp);
    const [commitment] = await executeBlocksStatelessly({
      common,
      blocks: [rebuilt],
      witnesses: [built.witness],
    });
    expect(commitment?.hash).toBe(built.hash);
  });

  it("refuses JSON that does not rebuild to the hashes it claims", async () => {
    const tamperedTx = throughJson(json);
    (tamperedTx.transactions as Record<string, unknown>[])[2]!.value = "0x3";
    await expect(blockFromRpc(tamperedTx, common)).rejects.toThrow(/transaction 2: rebuilt hash/);
    const tamperedHeader = { ...throughJson(json), gasUsed: "0x1" };
    await expect(blockFromRpc(tamperedHeader, common)).rejects.toMatchObject({
      code: "BLOCK_HASH_MISMATCH",
      message: expect.stringMatching(/block 1: rebuilt hash .* differs from the claimed/),
    });
  });

  it("refuses JSON whose transactions are not the block's, even when each one hashes to what it claims", async () => {
    const dropped = throughJson(json);
    (dropped.transactions as unknown[]).pop();
    await expect(blockFromRpc(dropped, common)).rejects.toMatchObject({
      code: "BLOCK_HASH_MISMATCH",
      message: expect.stringMatching(/^block 1: transactions root of the 4 transactions: rebuilt hash/),
    });
    const unclaimed = throughJson(json);
    const tx = (unclaimed.transactions as Record<string, unknown>[])[2]!;
    tx.value = "0x3";
    delete tx.hash;
    await expect(blockFromRpc(unclaimed, common)).rejects.toMatchObject({ code: "BLOCK_HASH_MISMATCH" });
    const withdrawal = {
      index: "0x0",
      validatorIndex: "0x0",
      address: `0x${"c5".repeat(20)}`,
      amount: "0x1",
    };
    await expect(
      blockFromRpc({ ...throughJson(json), withdrawals: [withdrawal] }, common),
    ).rejects.toMatchObject({
      code: "BLOCK_HASH_MISMATCH",
      message: expect.stringMatching(/^block 1: withdrawals root of the 1 withdrawals: rebuilt hash/),
    });
  });

  it("refuses answers that are not full blocks", async () => {
    await expect(blockFromRpc(null, common)).rejects.toThrow(EvmError);
    const hashesOnly = { ...throughJson(json), transactions: json.transactions.map((tx) => tx.hash) };
    await expect(blockFromRpc(hashesOnly, common)).rejects.toThrow(/transactions must be full objects/);
    await expect(blockFromRpc({ ...throughJson(json), uncles: [json.hash] }, common)).rejects.toThrow(
      /ommers/,
    );
  });

  it("decodes raw RLP and checks its hash when asked", () => {
    expect(bytesToHex(blockFromRlp(built.rlp, common, built.hash).hash())).toBe(built.hash);
    expect(() => blockFromRlp(built.rlp, common, json.parentHash)).toThrow(/differs from the claimed/);
    expect(() => blockFromRlp("0x1234", common)).toThrow(/does not decode/);
  });
});
