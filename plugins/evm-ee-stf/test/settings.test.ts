import { InvalidConfigError, InvalidContextError } from "@paas/core";
import { createStubRpc } from "@paas/testing";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_BLOCKS, parseEvmEeStfContext, parseSettings } from "../src/index.js";
import { startHarness } from "./support/harness.js";

const HASH_A = `0x${"ab".repeat(32)}`;
const HASH_B = `0x${"CD".repeat(32)}`;

describe("settings", () => {
  it("defaults to the devnet's rules and a cap of 64 blocks", () => {
    expect(parseSettings({})).toEqual({
      maxBlocks: DEFAULT_MAX_BLOCKS,
      chain: { kind: "devnet", chainId: 1337 },
      fetchConcurrency: 4,
    });
    expect(parseSettings(undefined).maxBlocks).toBe(64);
  });

  it("takes a chain id, or a fixture network's rules", () => {
    expect(parseSettings({ chain_id: 42, max_blocks: 8 })).toMatchObject({
      maxBlocks: 8,
      chain: { kind: "devnet", chainId: 42 },
    });
    expect(parseSettings({ network: "Cancun" }).chain).toEqual({ kind: "fixture", network: "Cancun" });
  });

  it("refuses bad settings with InvalidConfigError naming the field", () => {
    const cases: [unknown, RegExp][] = [
      [{ max_blocks: 0 }, /plugin_settings\.evm-ee-stf: max_blocks: /],
      [{ max_blocks: 1.5 }, /max_blocks: /],
      [{ chain_id: "1337" }, /chain_id: /],
      [{ chain_id: 1, network: "Cancun" }, /network: set chain_id or network, not both/],
      [{ maxBlocks: 3 }, /Unrecognized key.*maxBlocks/],
      [{ fetch_concurrency: 0 }, /fetch_concurrency: /],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseSettings(raw), JSON.stringify(raw)).toThrow(InvalidConfigError);
      expect(() => parseSettings(raw), JSON.stringify(raw)).toThrow(message);
    }
  });

  it("fails the service's launch on bad settings or an unknown network", async () => {
    const node = await createStubRpc();
    try {
      await expect(startHarness(node, { settings: { max_blocks: -1 } })).rejects.toThrow(/max_blocks/);
      await expect(startHarness(node, { settings: { network: "Atlantis" } })).rejects.toThrow(
        /plugin_settings\.evm-ee-stf: fixture network "Atlantis"/,
      );
    } finally {
      await node.close();
    }
  });
});

describe("contexts", () => {
  const context = (start: number, end: number) => ({
    kind: "evm-ee-stf",
    start: { number: start, hash: HASH_A },
    end: { number: end, hash: HASH_B },
  });

  it("are normalised: hashes lower-cased", () => {
    expect(parseEvmEeStfContext(context(3, 5), 64).end.hash).toBe(HASH_B.toLowerCase());
  });

  it("are refused with InvalidContextError naming the field", () => {
    const cases: [unknown, RegExp][] = [
      [context(5, 3), /start\.number must not exceed end\.number\n {2}→ at end\.number/],
      [{ ...context(1, 2), kind: "cl-stf" }, /→ at kind/],
      [{ ...context(1, 2), start: { number: -1, hash: HASH_A } }, /→ at start\.number/],
      [{ ...context(1, 2), end: { number: 2 } }, /→ at end\.hash/],
      [context(0, 2), /start\.number: block 0 is the genesis block/],
      [context(1, 65), /65 blocks, more than max_blocks = 64/],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseEvmEeStfContext(raw, 64), JSON.stringify(raw)).toThrow(InvalidContextError);
      expect(() => parseEvmEeStfContext(raw, 64), JSON.stringify(raw)).toThrow(message);
    }
    expect(parseEvmEeStfContext(context(1, 64), 64).end.number).toBe(64);
  });
});
