import {
  createAccessList2930Tx,
  createBlob4844Tx,
  createEOACode7702Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
} from "@ethereumjs/tx";
import {
  bytesToHex,
  createAddressFromPrivateKey,
  eoaCode7702SignAuthorization,
  hexToBytes,
} from "@ethereumjs/util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  blockFromRlp,
  blockFromRpc,
  blockToRpc,
  type ChainBlock,
  createDevnetCommon,
  EvmError,
  ExecutionChain,
  executeBlocksStatelessly,
  type RpcBlock,
  systemContractsAlloc,
} from "../src/index.js";

const common = createDevnetCommon(1337);
const key = hexToBytes(`0x${"11".repeat(32)}`);
const to = "0x00000000000000000000000000000000000000aa";
const fees = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 3n };

/** One block with every transaction type, 7702 authorizations from many keys (quantities of every length). */
async function allTypesBlock(): Promise<ChainBlock> {
  const sender = createAddressFromPrivateKey(key);
  const chain = await ExecutionChain.create({
    common,
    alloc: { ...systemContractsAlloc(), [sender.toString()]: { balance: 10n ** 24n } },
  });
  const authorizations = Array.from({ length: 12 }, (_, i) =>
    eoaCode7702SignAuthorization(
      {
        chainId: "0x539",
        address: "0x00000000000000000000000000000000000000bb",
        nonce: `0x${i.toString(16)}`,
      },
      hexToBytes(`0x${(i + 40).toString(16).padStart(64, "0")}`),
    ),
  );
  return chain.buildBlock([
    createLegacyTx({ nonce: 0n, gasPrice: 10n ** 10n, gasLimit: 21_000n, to, value: 1n }, { common }).sign(
      key,
    ),
    createAccessList2930Tx(
      {
        nonce: 1n,
        gasPrice: 10n ** 10n,
        gasLimit: 30_000n,
        to,
        accessList: [{ address: to, storageKeys: [`0x${"00".repeat(31)}01`] }],
      },
      { common },
    ).sign(key),
    createFeeMarket1559Tx({ nonce: 2n, ...fees, gasLimit: 21_000n, to, value: 2n }, { common }).sign(key),
    createBlob4844Tx(
      {
        nonce: 3n,
        ...fees,
        maxFeePerBlobGas: 10n ** 9n,
        gasLimit: 21_000n,
        to,
        blobVersionedHashes: [`0x01${"ab".repeat(31)}`],
      },
      { common },
    ).sign(key),
    createEOACode7702Tx(
      { nonce: 4n, ...fees, gasLimit: 400_000n, to, authorizationList: authorizations },
      { common },
    ).sign(key),
  ]);
}

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
    const rebuilt = blockFromRpc(throughJson(json), common);
    expect(bytesToHex(rebuilt.serialize())).toBe(built.rlp);
    const [commitment] = await executeBlocksStatelessly({
      common,
      blocks: [rebuilt],
      witnesses: [built.witness],
    });
    expect(commitment?.hash).toBe(built.hash);
  });

  it("refuses JSON that does not rebuild to the hashes it claims", () => {
    const tamperedTx = throughJson(json);
    (tamperedTx.transactions as Record<string, unknown>[])[2]!.value = "0x3";
    expect(() => blockFromRpc(tamperedTx, common)).toThrow(/transaction 2: rebuilt hash/);
    const tamperedHeader = { ...throughJson(json), gasUsed: "0x1" };
    expect(() => blockFromRpc(tamperedHeader, common)).toThrow(
      /block 1: rebuilt hash .* differs from the claimed/,
    );
    try {
      blockFromRpc(tamperedHeader, common);
    } catch (error) {
      expect((error as EvmError).code).toBe("BLOCK_HASH_MISMATCH");
    }
  });

  it("refuses answers that are not full blocks", () => {
    expect(() => blockFromRpc(null, common)).toThrow(EvmError);
    const hashesOnly = { ...throughJson(json), transactions: json.transactions.map((tx) => tx.hash) };
    expect(() => blockFromRpc(hashesOnly, common)).toThrow(/transactions must be full objects/);
    expect(() => blockFromRpc({ ...throughJson(json), uncles: [json.hash] }, common)).toThrow(/ommers/);
  });

  it("decodes raw RLP and checks its hash when asked", () => {
    expect(bytesToHex(blockFromRlp(built.rlp, common, built.hash).hash())).toBe(built.hash);
    expect(() => blockFromRlp(built.rlp, common, json.parentHash)).toThrow(/differs from the claimed/);
    expect(() => blockFromRlp("0x1234", common)).toThrow(/does not decode/);
  });
});
