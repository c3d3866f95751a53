import { InvalidParamsError } from "@paas/core";
import { commitBytesProgram, otherProgram } from "@paas/devchain";
import { JsonRpcClient, JsonRpcPermanentError, RpcErrorCode } from "@paas/jsonrpc";
import {
  applyBlockRange,
  BatchTransitionSsz,
  buildGenesis,
  ClClient,
  ClErrorCode,
  combineClStfOutputs,
  ElClient,
  type EvmBlockCommitment,
  expectedBatchTransition,
  invalidProofReason,
  rollupParamsRoot,
  sequencerPublicKey,
  verifyBlockSignature,
} from "@paas/rollup";
import { encodeReceipt, NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, MAX_BLOCKS_PER_RANGE } from "../src/index.js";
import { failure, testDevnet } from "./helpers.js";

let host: NativeHost;
let otherHost: NativeHost;
let devnet: Devnet;
let cl: ClClient;
let el: ElClient;

beforeAll(async () => {
  host = new NativeHost({ workers: 1, privateKey: new Uint8Array(32).fill(0x51) });
  otherHost = new NativeHost({ workers: 1, privateKey: new Uint8Array(32).fill(0x52) });
  devnet = await testDevnet({
    seed: "cl-rpc-test",
    slotsPerEpoch: 4,
    trustedProverKey: host.publicKeyHex,
    checkpointProgramId: commitBytesProgram.programIdHex,
  });
  await devnet.chain.produceEpochs(3);
  await devnet.chain.produceBlocks(2); // epoch 3 left open
  cl = new ClClient({ url: devnet.url, timeoutMs: 10_000 });
  el = new ElClient({ url: devnet.url, timeoutMs: 10_000 });
});

afterAll(async () => {
  await Promise.all([host?.close(), otherHost?.close()]);
});

async function receipt(publicValues: Uint8Array, program = commitBytesProgram, prover = host) {
  return encodeReceipt(await prover.prove(program, publicValues));
}

describe("CL JSON-RPC, read with ClClient", () => {
  it("serves the rollup params, from which the genesis chainstate follows", async () => {
    const params = await cl.getRollupParams();
    expect(params).toEqual(devnet.chain.params);
    expect(await cl.getChainstate(0)).toEqual(buildGenesis(params).chainstate);
  });

  it("serves checkpoints: the latest, the next unproven, and what each covers", async () => {
    expect(await cl.getLatestCheckpointIndex()).toBe(2);
    expect(await cl.getNextUnprovenCheckpointIndex()).toBe(0);
    expect(await cl.getCheckpointInfo(1)).toEqual({ index: 1, epoch: 1, l2Range: { start: 5, end: 8 } });
    expect(await cl.getCheckpointStatus(1)).toEqual({ index: 1, status: "unproven" });
    const missing = await failure(cl.getCheckpointInfo(3));
    expect(missing).toBeInstanceOf(JsonRpcPermanentError);
    expect(missing.rpcCode).toBe(ClErrorCode.NOT_FOUND);
    expect(missing.message).toContain("checkpoint 3 not found");
  });

  it("serves blocks and chainstates that a verifier re-applies with the CL STF rules, against EL blocks from the EL RPC", async () => {
    const params = await cl.getRollupParams();
    for (let index = 0; index <= 2; index++) {
      const info = await cl.getCheckpointInfo(index);
      const { start, end } = info.l2Range;
      const blocks = await cl.getBlocksInRange(start, end);
      expect(blocks.every((block) => verifyBlockSignature(block, params))).toBe(true);
      const proven: EvmBlockCommitment[] = [];
      for (const block of blocks) {
        const elBlock = (await el.getBlockByNumber(block.body.execSegment.elBlockNumber))!;
        proven.push({
          number: elBlock.number,
          hash: elBlock.hash,
          parentHash: elBlock.parentHash,
          stateRoot: elBlock.stateRoot,
        });
      }
      const pre = await cl.getChainstate(start - 1);
      const { chainstate, output } = applyBlockRange(pre, blocks, params, proven);
      const post = await cl.getChainstate(end);
      expect(chainstate).toEqual(post);
      const transition = devnet.chain.getCheckpoint(index).transition;
      expect(expectedBatchTransition(info, pre, post, params)).toEqual(transition);
      expect(combineClStfOutputs(info, [output])).toEqual(transition);
      expect(transition.paramsRoot).toEqual(rollupParamsRoot(params));
    }
    expect((await cl.getBlocksInRange(13, 14)).map((b) => b.header.epoch)).toEqual([3, 3]);
  });

  it("refuses slots it does not have and ranges that are too wide", async () => {
    expect((await failure(cl.getChainstate(15))).rpcCode).toBe(ClErrorCode.NOT_FOUND);
    expect((await failure(cl.getBlocksInRange(13, 15))).rpcCode).toBe(ClErrorCode.NOT_FOUND);
    expect(await failure(cl.getBlocksInRange(0, 2))).toBeInstanceOf(InvalidParamsError); // refused client-side
    const rpc = new JsonRpcClient({ url: devnet.url });
    const wide = await failure(rpc.call("cl_getBlocksInRange", [1, MAX_BLOCKS_PER_RANGE + 1]));
    expect(wide.rpcCode).toBe(RpcErrorCode.INVALID_PARAMS);
  });
});

describe("cl_submitCheckpointProof", () => {
  const transition = (index: number) =>
    BatchTransitionSsz.serialize(devnet.chain.getCheckpoint(index).transition);

  /** The CL's rejection, as the client sees it: a permanent error with INVALID_PROOF and a reason. */
  async function rejection(index: number, bytes: Uint8Array): Promise<string> {
    const error = await failure(cl.submitCheckpointProof(index, bytes));
    expect(error).toBeInstanceOf(JsonRpcPermanentError);
    expect(error.rpcCode).toBe(ClErrorCode.INVALID_PROOF);
    return invalidProofReason(error)!;
  }

  it("rejects tampered receipts, another program's, another key's, another transition's, and other params'", async () => {
    const valid = await receipt(transition(0));
    const tampered = valid.slice();
    tampered[8 + 10]! ^= 0xff;
    expect(await rejection(0, tampered)).toMatch(/signature does not verify/);
    expect(await rejection(0, valid.subarray(0, valid.length - 1))).toMatch(/does not decode/);
    expect(await rejection(0, await receipt(transition(0), otherProgram))).toMatch(/proves program/);
    expect(await rejection(0, await receipt(transition(0), commitBytesProgram, otherHost))).toMatch(
      /does not verify against host key/,
    );
    expect(await rejection(0, await receipt(transition(1)))).toMatch(
      /differs from the CL's: index 1, expected 0/,
    );
    // The CL's transition with the root of params naming another sequencer key: what a proof of
    // this chain's blocks re-signed by someone else commits.
    const otherParams = {
      ...devnet.chain.params,
      sequencerPublicKey: sequencerPublicKey(new Uint8Array(32).fill(0x53)),
    };
    const underOtherParams = BatchTransitionSsz.serialize({
      ...devnet.chain.getCheckpoint(0).transition,
      paramsRoot: rollupParamsRoot(otherParams),
    });
    expect(await rejection(0, await receipt(underOtherParams))).toMatch(
      /^the proven transition differs from the CL's: params root 0x[0-9a-f]{8}…[0-9a-f]{8}, expected 0x[0-9a-f]{8}…[0-9a-f]{8} \(the proof was made under other rollup params\)$/,
    );
    expect(await cl.getCheckpointStatus(0)).toEqual({ index: 0, status: "unproven" });
  });

  it("accepts a valid receipt once, then answers already-proven", async () => {
    expect(await cl.submitCheckpointProof(0, await receipt(transition(0)))).toEqual({
      index: 0,
      outcome: "accepted",
    });
    expect(await cl.getCheckpointStatus(0)).toEqual({ index: 0, status: "proven" });
    expect(await cl.getNextUnprovenCheckpointIndex()).toBe(1);
    expect(await cl.submitCheckpointProof(0, await receipt(transition(0)))).toEqual({
      index: 0,
      outcome: "already-proven",
    });
    expect((await el.getBlockByNumber("finalized"))!.number).toBe(4);
  });

  it("answers NOT_FOUND for a checkpoint that does not exist yet", async () => {
    const error = await failure(cl.submitCheckpointProof(3, await receipt(transition(2))));
    expect(error.rpcCode).toBe(ClErrorCode.NOT_FOUND);
  });
});
