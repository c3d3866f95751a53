import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { type ExecutionWitness, keccak256 } from "@paas/evm";
import { buildMixedChain, type MixedChain } from "@paas/evm/testing";
import type { PluginHarness, StubRpc } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextForBlocks, elRpcHandlers } from "../src/testing.js";
import { errorOf, startHarness, startNode } from "./support/harness.js";

/** Generous for one block on a loaded 2-core machine once the worker is warm; a hang would blow it. */
const RUN_TIMEOUT_MS = 20_000;
/** The first proof also starts the proving worker, which loads the guest's modules: 16-20 s under CI load. */
const WARM_UP_TIMEOUT_MS = 90_000;

/**
 * The node serves a real block's witness with one item missing, each item in turn. Every run must
 * fail permanently with an error naming the block and the missing item: a witness that executes
 * with a node missing could prove a wrong transition. None may complete, none may hang.
 */
describe("a witness lacking any single item fails the proof, naming the item", () => {
  let chain: MixedChain;
  let node: StubRpc;
  let harness: PluginHarness;

  beforeAll(async () => {
    chain = await buildMixedChain();
    node = await startNode(chain.chain);
    harness = await startHarness(node);
    // Warm the worker on block 1, which no test below proves: a cold start inside the first
    // timed run once outlived it, and the still-running task then answered the next test's submit.
    const { record } = await harness.prove(contextForBlocks(chain.blocks[0]!), {
      timeoutMs: WARM_UP_TIMEOUT_MS,
    });
    expect(record.status).toBe("completed");
  }, WARM_UP_TIMEOUT_MS + 30_000);
  afterAll(async () => {
    await harness?.close();
    await node?.close();
  });

  /** Block 3: storage clears collapsing branches, a revert, BLOCKHASH two back, a legacy transfer. */
  const target = () => chain.blocks[2]!;

  async function proveWith(witness: ExecutionWitness, block = target()): Promise<string> {
    node.handle("debug_executionWitness", () => witness);
    try {
      const { record } = await harness.prove(contextForBlocks(block), { timeoutMs: RUN_TIMEOUT_MS });
      return errorOf(record);
    } finally {
      node.handle("debug_executionWitness", elRpcHandlers(chain.chain).debug_executionWitness!);
    }
  }

  const without = (field: keyof ExecutionWitness, index: number, block = target()): ExecutionWitness => {
    const { witness } = block;
    return { ...witness, [field]: witness[field].filter((_, i) => i !== index) };
  };
  const hashOf = (item: string) => bytesToHex(keccak256(hexToBytes(item as `0x${string}`)));

  it("the block's witness is a real one: several nodes, codes and headers", () => {
    const { witness } = target();
    expect(witness.state.length).toBeGreaterThan(10);
    expect(witness.codes.length).toBeGreaterThan(1);
    expect(witness.headers.length).toBeGreaterThan(1);
  });

  // Block 2 writes new slots, block 3 clears them (collapsing branches), block 4 reads BLOCKHASH three back.
  for (const number of [2, 3, 4]) {
    it(`fails block ${number} naming each missing trie node`, { timeout: 600_000 }, async () => {
      const block = chain.blocks[number - 1]!;
      for (const [index, item] of block.witness.state.entries()) {
        const error = await proveWith(without("state", index, block), block);
        expect(error, `node ${index}`).toContain(
          `MISSING_WITNESS_NODE: block ${number}: witness lacks trie node ${hashOf(item)}`,
        );
      }
    });

    it(`fails block ${number} naming each missing code`, { timeout: 120_000 }, async () => {
      const block = chain.blocks[number - 1]!;
      for (const [index, item] of block.witness.codes.entries()) {
        const error = await proveWith(without("codes", index, block), block);
        expect(error, `code ${index}`).toContain(
          `MISSING_CODE: block ${number}: witness lacks code with hash ${hashOf(item)}`,
        );
      }
    });
  }

  it("fails naming the missing parent header and the missing BLOCKHASH ancestor", {
    timeout: 60_000,
  }, async () => {
    const [parent, ancestor] = target().witness.headers;
    expect(hashOf(parent!)).toBe(chain.blocks[1]!.hash);
    expect(await proveWith(without("headers", 0))).toContain(
      `PARENT_MISMATCH: block 3: parent check failed: no witness header hashes to the parent hash ${chain.blocks[1]!.hash}`,
    );
    expect(hashOf(ancestor!)).toBe(chain.blocks[0]!.hash);
    expect(await proveWith(without("headers", 1))).toContain(
      "MISSING_ANCESTOR: block 3: BLOCKHASH(1) needs ancestor header 1",
    );
  });

  it("completes with the whole witness, so each failure above is the dropped item's", async () => {
    const { record } = await harness.prove(contextForBlocks(target()), { timeoutMs: RUN_TIMEOUT_MS });
    expect(record.status).toBe("completed");
  });
});
