import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltBlock,
  closeSyncExecutor,
  createDevnetCommon,
  devnetChainSpec,
  ExecutionChain,
  executeBlocksStatelesslySync,
  type Hex,
  systemContractsAlloc,
} from "../src/index.js";
import { ALICE_KEY } from "../src/testing/index.js";

const CHAIN_ID = 1337;
/** `calldatacopy(0, 0, 213); staticcall(gas, 0x09, 0, 213, 0, 64); sstore(0, mload(0))`: one BLAKE2F call. */
const BLAKE2F_CALLER: Hex = "0x60d560006000376040600060d5600060095afa5060005160005500";
const CALLER: Hex = "0x00000000000000000000000000000000000b1a2f";
/** Rounds per block: a tenth of a second or so of compression, so each block takes a while. */
const ROUNDS = 4_000_000;
const BLOCKS = 32;
/**
 * The timeout, in blocks' time measured on the machine that runs the test: well above one block's,
 * well below the range's, however fast the machine (a fixed one was above a fast machine's range).
 */
const TIMEOUT_BLOCKS = 8;

function blake2fCalldata(seed: number): string {
  const filler = (length: number) =>
    Array.from({ length }, (_, i) => ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, "0")).join("");
  return `${ROUNDS.toString(16).padStart(8, "0")}${filler(64)}${filler(128)}${filler(16)}01`;
}

describe("executeBlocksStatelesslySync's timeout", () => {
  let blocks: BuiltBlock[];
  beforeAll(async () => {
    const common = createDevnetCommon(CHAIN_ID);
    const alice = createAddressFromPrivateKey(ALICE_KEY).toString();
    const chain = await ExecutionChain.create({
      common,
      alloc: {
        ...systemContractsAlloc(),
        [alice]: { balance: 10n ** 24n },
        [CALLER]: { code: BLAKE2F_CALLER },
      },
      genesis: { gasLimit: 60_000_000n },
    });
    blocks = [];
    for (let n = 0; n < BLOCKS; n++) {
      const call = createFeeMarket1559Tx(
        {
          nonce: BigInt(n),
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
          gasLimit: BigInt(ROUNDS) + 100_000n,
          to: CALLER,
          data: hexToBytes(`0x${blake2fCalldata(n)}`),
        },
        { common },
      ).sign(ALICE_KEY);
      blocks.push(await chain.buildBlock([call]));
    }
  }, 120_000);
  afterAll(closeSyncExecutor);

  const chainSpec = devnetChainSpec(CHAIN_ID);

  it("bounds each block, not the range: a range longer than it is executed while its blocks finish", () => {
    // Warm the helper thread (module loading, KZG setup), then time one block.
    const one = { chainSpec, blocks: [blocks[0]!.rlp], witnesses: [blocks[0]!.witness] };
    executeBlocksStatelesslySync(one);
    const started = performance.now();
    executeBlocksStatelesslySync(one);
    const timeoutMs = Math.ceil((performance.now() - started) * TIMEOUT_BLOCKS);
    const result = executeBlocksStatelesslySync(
      { chainSpec, blocks: blocks.map((b) => b.rlp), witnesses: blocks.map((b) => b.witness) },
      { timeoutMs },
    );
    expect(result.commitments.map((c) => c.stateRoot)).toEqual(blocks.map((b) => b.stateRoot));
  }, 120_000);

  it("fails a block that runs past it, saying how far the range got; the next call starts afresh", () => {
    const range = { chainSpec, blocks: [blocks[0]!.rlp], witnesses: [blocks[0]!.witness] };
    expect(() => executeBlocksStatelesslySync(range, { timeoutMs: 5 })).toThrow(
      /^synchronous stateless execution stalled: no block finished within 5 ms \(0 of 1 blocks done\)$/,
    );
    expect(executeBlocksStatelesslySync(range).commitments[0]!.stateRoot).toBe(blocks[0]!.stateRoot);
  }, 120_000);
});
