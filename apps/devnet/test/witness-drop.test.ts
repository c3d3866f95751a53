import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import {
  createDevnetCommon,
  type ExecutionWitness,
  executeBlocksStatelessly,
  keccak256,
  MissingCodeError,
  MissingWitnessNodeError,
} from "@paas/evm";
import { ElClient } from "@paas/rollup";
import { beforeAll, describe, expect, it } from "vitest";
import type { Devnet } from "../src/index.js";
import { hexWitness, testDevnet, withTimeout } from "./helpers.js";

/** A run that neither completes nor fails within this is a hang: a test failure, not a stuck suite. */
const RUN_TIMEOUT_MS = 10_000;

let devnet: Devnet;
let el: ElClient;

beforeAll(async () => {
  devnet = await testDevnet({ seed: "witness-drop-test", slotsPerEpoch: 4 });
  await devnet.chain.produceEpochs(3);
  el = new ElClient({ url: devnet.url, timeoutMs: 10_000 });
});

async function failureOf(raw: Uint8Array, witness: ExecutionWitness): Promise<unknown> {
  const common = createDevnetCommon(Number(devnet.chain.common.chainId()));
  try {
    await withTimeout(
      executeBlocksStatelessly({ common, blocks: [raw], witnesses: [witness] }),
      RUN_TIMEOUT_MS,
    );
  } catch (error) {
    return error;
  }
  return undefined;
}

const without = (witness: ExecutionWitness, field: "state" | "codes", index: number): ExecutionWitness => ({
  ...witness,
  [field]: witness[field].filter((_, i) => i !== index),
});

/**
 * Block 2 carries one transaction of every workload kind (storage writes, overwrites and clears,
 * calls between contracts, self-destructs, an EIP-7702 delegation…); the other block is the one
 * with the largest witness. Every single node and code of their served witnesses is dropped in turn.
 */
describe("a served witness missing any single item", () => {
  let blocks: number[];
  beforeAll(async () => {
    const sizes: [number, number][] = [];
    for (let n = 3; n <= 12; n++) sizes.push([n, (await el.getExecutionWitness(n)).state.length]);
    sizes.sort((a, b) => b[1] - a[1]);
    blocks = [2, sizes[0]![0]];
  });

  it("is complete: each chosen block re-executes with the whole witness", async () => {
    for (const n of blocks) {
      expect(
        await failureOf(await el.getRawBlock(n), hexWitness(await el.getExecutionWitness(n))),
      ).toBeUndefined();
    }
  });

  it("fails the block naming each missing trie node, every run settling", async () => {
    let runs = 0;
    for (const n of blocks) {
      const raw = await el.getRawBlock(n);
      const witness = hexWitness(await el.getExecutionWitness(n));
      expect(witness.state.length).toBeGreaterThan(10);
      for (const [i, node] of witness.state.entries()) {
        const error = await failureOf(raw, without(witness, "state", i));
        const hash = bytesToHex(keccak256(hexToBytes(node)));
        expect(error, `block ${n}, node ${i} (${hash})`).toBeInstanceOf(MissingWitnessNodeError);
        expect((error as MissingWitnessNodeError).nodeHash).toBe(hash);
        expect((error as Error).message).toContain(`block ${n}`);
        expect((error as Error).message).toContain(hash);
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(40);
  });

  it("fails the block naming each missing code", async () => {
    for (const n of blocks) {
      const raw = await el.getRawBlock(n);
      const witness = hexWitness(await el.getExecutionWitness(n));
      for (const [i, code] of witness.codes.entries()) {
        const error = await failureOf(raw, without(witness, "codes", i));
        expect(error, `block ${n}, code ${i}`).toBeInstanceOf(MissingCodeError);
        expect((error as MissingCodeError).codeHash).toBe(bytesToHex(keccak256(hexToBytes(code))));
      }
    }
  });
});
