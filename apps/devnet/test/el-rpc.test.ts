import { bytesToHex } from "@ethereumjs/util";
import {
  blockFromRpc,
  CHAIN_SPEC_PRESETS,
  chainSpecHash,
  createCommon,
  createDevnetCommon,
  type ExecutionWitness,
  executeBlocksStatelessly,
  parseChainSpec,
} from "@paas/evm";
import { JsonRpcClient, JsonRpcPermanentError, RpcErrorCode } from "@paas/jsonrpc";
import { ClClient, ElClient, toHex } from "@paas/rollup";
import { beforeAll, describe, expect, it } from "vitest";
import type { Devnet } from "../src/index.js";
import { failure, hexWitness, testDevnet } from "./helpers.js";

const EPOCHS = 3;
const SLOTS_PER_EPOCH = 4;
const CHAIN_ID = 424242;

let devnet: Devnet;
let el: ElClient;

beforeAll(async () => {
  devnet = await testDevnet({ seed: "el-rpc-test", slotsPerEpoch: SLOTS_PER_EPOCH, chainId: CHAIN_ID });
  await devnet.chain.produceEpochs(EPOCHS);
  el = new ElClient({ url: devnet.url, timeoutMs: 10_000 });
});

describe("EL JSON-RPC, re-executed by a stateless client", () => {
  it("publishes its chain spec: the devnet preset under its chain id, whose hash the CL's params name", async () => {
    const rpc = new JsonRpcClient({ url: devnet.url });
    const config = await rpc.call<unknown>("debug_chainConfig");
    expect(config).toEqual({ ...CHAIN_SPEC_PRESETS.devnet, chainId: CHAIN_ID });
    const params = await new ClClient({ url: devnet.url }).getRollupParams();
    expect(toHex(params.elChainSpecHash)).toBe(chainSpecHash(parseChainSpec(config)));
  });

  it("serves every block so that it re-executes from the served witness alone", async () => {
    const rpc = new JsonRpcClient({ url: devnet.url });
    const chainId = Number.parseInt(await rpc.call<string>("eth_chainId"), 16);
    expect(chainId).toBe(CHAIN_ID);
    // The rules from the node itself, as a prover of a chain it does not know would take them.
    const common = createCommon(parseChainSpec(await rpc.call<unknown>("debug_chainConfig")));
    const head = await el.blockNumber();
    expect(head).toBe(EPOCHS * SLOTS_PER_EPOCH);
    for (let n = 1; n <= head; n++) {
      const served = await el.getBlockByNumber(n, true);
      expect(served, `block ${n}`).not.toBeNull();
      const block = await blockFromRpc(served!.json, common); // rebuilt; refuses a block whose hash or body differs
      const raw = await el.getRawBlock(n);
      expect(toHex(raw)).toBe(bytesToHex(block.serialize()));
      const witness = hexWitness(await el.getExecutionWitness(n));
      // Requires the computed state root, receipts root, logs bloom and gas used to equal the header's.
      const [commitment] = await executeBlocksStatelessly({ common, blocks: [raw], witnesses: [witness] });
      expect(commitment).toEqual({
        number: n,
        hash: toHex(served!.hash),
        parentHash: toHex(served!.parentHash),
        stateRoot: toHex(served!.stateRoot),
      });
      expect(served!.json.receiptsRoot).toBe(bytesToHex(block.header.receiptTrie));
      expect(served!.json.gasUsed).toBe(`0x${block.header.gasUsed.toString(16)}`);
    }
  });

  it("serves witnesses by hash too, and a whole range re-executes in one run", async () => {
    const common = createDevnetCommon(CHAIN_ID);
    const blocks: Uint8Array[] = [];
    const witnesses: ExecutionWitness[] = [];
    for (let n = 1; n <= 12; n++) {
      const { hash } = (await el.getBlockByNumber(n, false))!;
      blocks.push(await el.getRawBlock(hash));
      witnesses.push(hexWitness(await el.getExecutionWitness(hash)));
    }
    const commitments = await executeBlocksStatelessly({ common, blocks, witnesses });
    expect(commitments.at(-1)!.hash).toBe(devnet.chain.getElBlock(12)!.hash);
  });
});

describe("EL JSON-RPC shapes (as geth and reth serve them)", () => {
  it("answers eth_getBlockByNumber with quantities, hashes and full or hashed transactions", async () => {
    const full = (await el.getBlockByNumber(2, true))!.json;
    expect(full).toMatchObject({
      number: "0x2",
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      miner: expect.stringMatching(/^0x[0-9a-f]{40}$/),
      baseFeePerGas: expect.stringMatching(/^0x[0-9a-f]+$/),
      withdrawalsRoot: expect.any(String),
      requestsHash: expect.any(String),
      parentBeaconBlockRoot: expect.any(String),
    });
    const transactions = full.transactions as Record<string, unknown>[];
    expect(new Set(transactions.map((tx) => tx.type))).toEqual(new Set(["0x0", "0x1", "0x2", "0x4"]));
    expect(transactions[0]).toMatchObject({
      blockNumber: "0x2",
      transactionIndex: "0x0",
      from: expect.any(String),
    });
    const hashes = (await el.getBlockByNumber(2, false))!.json.transactions as string[];
    expect(hashes).toEqual(transactions.map((tx) => tx.hash));
    expect((await el.getBlockByNumber("latest"))!.number).toBe(12);
    expect((await el.getBlockByNumber("earliest"))!.number).toBe(0);
    const byHash = (await el.getBlockByHash((await el.getBlockByNumber(5))!.hash, true))!;
    expect(byHash.number).toBe(5);
  });

  it("answers null for blocks it does not have, and NOT_FOUND from the debug methods", async () => {
    expect(await el.getBlockByNumber(99)).toBeNull();
    expect(await el.getBlockByHash(new Uint8Array(32).fill(1))).toBeNull();
    const calls = [
      () => el.getExecutionWitness(99),
      () => el.getRawBlock(new Uint8Array(32).fill(1)),
      () => el.getExecutionWitness(0),
    ];
    for (const call of calls) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(JsonRpcPermanentError);
      expect(error.rpcCode).toBe(RpcErrorCode.NOT_FOUND);
    }
  });

  it("answers NOT_FOUND, saying so, for the witness of a block older than retainBlocks", async () => {
    const short = await testDevnet({ seed: "el-rpc-test", retainBlocks: 2 });
    await short.chain.produceBlocks(3);
    const client = new ElClient({ url: short.url, timeoutMs: 10_000 });
    const error = await failure(client.getExecutionWitness(1));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error.rpcCode).toBe(RpcErrorCode.NOT_FOUND);
    expect(error.message).toContain(
      "execution witness of EL block 1 not found: pruned, this chain keeps the witnesses of its last 2 blocks",
    );
    expect((await client.getExecutionWitness(2)).state.length).toBeGreaterThan(0);
    expect((await client.getRawBlock(1)).length).toBeGreaterThan(0);
  });

  it("refuses malformed block references with invalid params", async () => {
    const rpc = new JsonRpcClient({ url: devnet.url });
    for (const params of [["12"], [12], ["0x"], ["0xzz"], ["newest"]]) {
      const error = await failure(rpc.call("debug_executionWitness", params));
      expect(error.rpcCode, JSON.stringify(params)).toBe(RpcErrorCode.INVALID_PARAMS);
    }
    const error = await failure(rpc.call("eth_getBlockByNumber", [`0x${"11".repeat(32)}`, false]));
    expect(error.rpcCode).toBe(RpcErrorCode.INVALID_PARAMS);
  });

  it("serves the parent and every ancestor BLOCKHASH read among the witness headers", async () => {
    const witness = await el.getExecutionWitness(12);
    const parent = await el.getRawBlock(11);
    expect(witness.headers.length).toBeGreaterThanOrEqual(1);
    // The first header is the parent's (the header part of its RLP).
    expect(toHex(parent)).toContain(toHex(witness.headers[0]!).slice(2));
  });
});
