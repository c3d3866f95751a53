/**
 * A chain kept in a data directory continues after a restart: the same blocks, checkpoints and
 * accepted proofs at once, new blocks on top that a chain never stopped would have made too, and
 * nothing lost when the process is killed (SIGKILL) between blocks.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchTransitionSsz, toHex } from "@paas/rollup";
import { encodeReceipt, NativeHost } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { commitBytesProgram, DevChain, type DevChainConfig } from "../src/index.js";
import { JournaledMap } from "../src/persistence/journaled-map.js";

let host: NativeHost;
const dirs: string[] = [];

beforeAll(() => {
  host = new NativeHost({ workers: 1, privateKey: new Uint8Array(32).fill(0x42) });
});

afterAll(async () => {
  await host?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "devchain-persistence-"));
  dirs.push(dir);
  return dir;
}

const config = (dataDir?: string): DevChainConfig => ({
  seed: "persistence-test",
  slotsPerEpoch: 2,
  trustedProverKey: host.publicKey,
  checkpointProgramId: commitBytesProgram.programId,
  ...(dataDir !== undefined && { dataDir }),
});

/** What a chain is, as its clients see it: every block's ids and every checkpoint's status. */
function fingerprint(chain: DevChain) {
  return {
    slots: chain.producedBlocks.map((b) => [b.slot, toHex(b.blockId), b.el.hash, b.el.stateRoot]),
    checkpoints: chain.checkpoints.map((c) => [
      c.info.index,
      toHex(BatchTransitionSsz.serialize(c.transition)),
    ]),
    proven: chain.checkpoints.map((c) => c.proof !== undefined),
    tip: toHex(chain.getChainstate(chain.latestSlot).tip.blockId),
  };
}

async function accept(chain: DevChain, index: number): Promise<void> {
  const transition = BatchTransitionSsz.serialize(chain.getCheckpoint(index).transition);
  const receipt = encodeReceipt(await host.prove(commitBytesProgram, transition));
  expect(chain.submitCheckpointProof(index, receipt)).toEqual({ index, outcome: "accepted" });
}

describe("a chain kept in a data directory", () => {
  it("continues after a restart with the same chain, and builds on it as if it had never stopped", {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir();
    const first = await DevChain.create(config(dataDir));
    await first.produceEpochs(3);
    await accept(first, 0);
    await accept(first, 1);
    const before = fingerprint(first);
    await first.close();

    const second = await DevChain.create(config(dataDir));
    expect(fingerprint(second)).toEqual(before);
    expect(second.latestCheckpointIndex).toBe(2);
    expect(second.nextUnprovenCheckpointIndex).toBe(2);
    expect(second.getCheckpointStatus(1).status).toBe("proven");
    expect(
      second.submitCheckpointProof(
        0,
        encodeReceipt(
          await host.prove(
            commitBytesProgram,
            BatchTransitionSsz.serialize(second.getCheckpoint(0).transition),
          ),
        ),
      ),
    ).toEqual({ index: 0, outcome: "already-proven" });
    // Witnesses of the restored blocks are served as they were.
    expect(second.getExecutionWitness(3)).toEqual(first.getExecutionWitness(3));
    await second.produceEpochs(2);
    const continued = fingerprint(second);
    await second.close();

    // A chain that never stopped, in memory, makes the very same blocks.
    const unbroken = await DevChain.create(config());
    await unbroken.produceEpochs(5);
    expect(fingerprint(unbroken).slots).toEqual(continued.slots);
    expect(fingerprint(unbroken).checkpoints).toEqual(continued.checkpoints);
  });

  it("loses no committed block when its process is killed", { timeout: 120_000 }, async () => {
    const dataDir = tempDir();
    // A child produces blocks on a timer and reports each; it is killed with SIGKILL mid-run.
    const child = fork(path.join(import.meta.dirname, "support/produce-until-killed.ts"), [dataDir], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const announced: { slot: number; blockId: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      child.on("message", (message: { slot: number; blockId: string }) => {
        announced.push(message);
        if (announced.length === 7) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", (code) => {
        if (announced.length < 7) reject(new Error(`the producer exited early (${code})`));
      });
    });
    await new Promise((resolve) => child.once("exit", resolve));

    const restarted = await DevChain.create(config(dataDir));
    // Every block announced was committed first; a block after them may have been too.
    expect(restarted.latestSlot).toBeGreaterThanOrEqual(7);
    for (const { slot, blockId } of announced) expect(toHex(restarted.getBlockId(slot))).toBe(blockId);
    await restarted.produceBlocks(2);
    const unbroken = await DevChain.create(config());
    await unbroken.produceBlocks(restarted.latestSlot);
    expect(fingerprint(restarted).slots).toEqual(fingerprint(unbroken).slots);
    await restarted.close();
  });

  it("stops at the last stored block when a block cannot be stored, and restarts from there", {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    const chain = await DevChain.create(config(dataDir));
    await chain.produceBlocks(2);
    const stored = chain.producedBlocks.map((b) => b.el.hash);
    // One failed write, as a full disk (SQLITE_FULL) gives; the disk has room again after.
    const store = (chain as unknown as { persistence: { store: { appendBlock(write: unknown): void } } })
      .persistence.store;
    const append = store.appendBlock.bind(store);
    let full = true;
    store.appendBlock = (write) => {
      if (full) {
        full = false;
        throw new Error("SQLITE_FULL: database or disk is full");
      }
      append(write);
    };
    const halted =
      /^storing slot 3 failed, so the devchain produces no more blocks \(its data directory keeps slots up to 2; restart it\): SQLITE_FULL/;
    await expect(chain.produceBlock()).rejects.toThrow(halted);
    // Producing on would store blocks the directory cannot restore without slot 3.
    await expect(chain.produceBlock()).rejects.toThrow(halted);
    await chain.close();
    const restarted = await DevChain.create(config(dataDir));
    expect(restarted.producedBlocks.map((b) => b.el.hash)).toEqual(stored);
    expect((await restarted.produceBlock()).slot).toBe(3);
    await restarted.close();
  });

  it("refuses a second chain on a data directory in use, and opens it once the first has closed", {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    const first = await DevChain.create(config(dataDir));
    await first.produceBlocks(1);
    await expect(DevChain.create(config(dataDir))).rejects.toThrow(
      /chain\.sqlite is in use by another devnet \(pid \d+ on .+, since .+\): stop it first, or give this one another data directory/,
    );
    // The refused one wrote nothing: the first keeps producing on its own chain.
    expect((await first.produceBlock()).slot).toBe(2);
    await first.close();
    const second = await DevChain.create(config(dataDir));
    expect(second.producedBlocks.length).toBe(2);
    await second.close();
  });

  it("refuses a data directory made with another config, naming what differs", {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    const first = await DevChain.create(config(dataDir));
    await first.produceBlocks(1);
    await first.close();
    await expect(DevChain.create({ ...config(dataDir), slotsPerEpoch: 4 })).rejects.toThrow(
      /chain\.sqlite holds another chain \(slotsPerEpoch is 2 there, 4 here\)/,
    );
  });
});

describe("a chain in memory", () => {
  it("remembers no more of its state than the state itself, however long it runs", async () => {
    // The journal of changed state entries is what each block writes to the data directory. In
    // memory nothing reads it: had it been kept, every entry ever written (dropped ones too) stayed.
    const writes = vi.spyOn(JournaledMap.prototype, "set");
    try {
      const chain = await DevChain.create(config());
      await chain.produceBlocks(8);
      const journals = new Set(writes.mock.contexts as JournaledMap<Uint8Array>[]);
      for (const journal of journals) {
        expect(journal.drain().size).toBeLessThanOrEqual(chain.execution.stateEntries);
      }
      await chain.close();
    } finally {
      writes.mockRestore();
    }
  });
});
