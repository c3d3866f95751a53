import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvalidConfigError, InvalidContextError } from "@paas/core";
import { devnetChainConfig, devnetChainSpec, presetChainSpec } from "@paas/evm";
import { createStubRpc } from "@paas/testing";
import { describe, expect, it, onTestFinished } from "vitest";
import { DEFAULT_MAX_BLOCKS, parseEvmEeStfContext, parseEvmEeStfSettings } from "../src/index.js";
import { startHarness } from "./support/harness.js";

const HASH_A = `0x${"ab".repeat(32)}`;
const HASH_B = `0x${"CD".repeat(32)}`;

describe("settings", () => {
  it("defaults to the devnet's chain spec, a cap of 64 blocks and 2 GiB of input per range", () => {
    expect(parseEvmEeStfSettings({})).toEqual({
      maxBlocks: DEFAULT_MAX_BLOCKS,
      chainSpec: devnetChainSpec(),
      chainSpecSource: "devnet",
      fetchConcurrency: 4,
      horizon: 64,
      maxInputBytes: 2 * 1024 ** 3,
    });
    expect(parseEvmEeStfSettings(undefined).maxBlocks).toBe(64);
  });

  it("takes a preset, an inline table in geth's config format, or a genesis file", () => {
    expect(parseEvmEeStfSettings({ chain_spec: "mainnet", max_blocks: 8 })).toMatchObject({
      maxBlocks: 8,
      chainSpec: presetChainSpec("mainnet"),
      chainSpecSource: "mainnet",
    });
    expect(parseEvmEeStfSettings({ chain_spec: devnetChainConfig(42) })).toMatchObject({
      chainSpec: devnetChainSpec(42),
      chainSpecSource: "inline",
    });
    const dir = mkdtempSync(path.join(tmpdir(), "chain-spec-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const genesis = path.join(dir, "genesis.json");
    writeFileSync(
      genesis,
      JSON.stringify({ config: devnetChainConfig(77), alloc: {}, gasLimit: "0x1c9c380" }),
    );
    expect(parseEvmEeStfSettings({ chain_spec_file: genesis })).toMatchObject({
      chainSpec: devnetChainSpec(77),
      chainSpecSource: genesis,
    });
  });

  it("refuses bad settings with InvalidConfigError naming the key", () => {
    const cases: [unknown, RegExp][] = [
      [{ max_blocks: 0 }, /^plugin_settings\.evm-ee-stf: ✖ Too small.*\n {2}→ at max_blocks$/],
      [{ max_blocks: 1.5 }, /→ at max_blocks/],
      [{ maxBlocks: 3 }, /Unrecognized key: "maxBlocks" \(did you mean "max_blocks"\?\)$/],
      [{ fetch_concurrency: 0 }, /→ at fetch_concurrency/],
      [
        { chain_spec: "goerli" },
        /unknown preset "goerli"; expected chain_spec = "mainnet" .*\n {2}→ at chain_spec$/,
      ],
      [
        { chain_spec: { ...devnetChainConfig(), verkleTime: 9 } },
        /Unrecognized key: "verkleTime"\n {2}→ at chain_spec$/,
      ],
      [
        // geth's key, read as it is; its blocks are refused like Osaka's.
        { chain_spec: { ...devnetChainConfig(), amsterdamTime: 9 } },
        /amsterdamTime is set but osakaTime is not: forks activate in order\n {2}→ at chain_spec\.amsterdamTime$/,
      ],
      [
        { chain_spec: { ...devnetChainConfig(), cancunTime: 20, pragueTime: 10 } },
        /pragueTime = 10 is before cancunTime = 20: forks activate in order\n {2}→ at chain_spec\.pragueTime/,
      ],
      [
        { chain_spec: { chainId: 1, terminalTotalDifficulty: "58750000000000000000000", shanghaiTime: 1 } },
        /required unless terminalTotalDifficulty is 0.*pre-merge rules are out of scope\)\n {2}→ at chain_spec\.mergeForkBlock/,
      ],
      [
        { chain_spec: { ...devnetChainConfig(), osakaTime: 0, bpo1Time: 0 } },
        /^plugin_settings\.evm-ee-stf\.chain_spec: osakaTime = 0 puts every block of the chain under osaka/,
      ],
      [
        { chain_spec: "devnet", chain_spec_file: "genesis.json" },
        /set chain_spec or chain_spec_file, not both\n {2}→ at chain_spec_file/,
      ],
      [
        { chain_id: 1337 },
        /no longer a setting: the chain id is the chain spec's chainId; set chain_spec = .*\n {2}→ at chain_id/,
      ],
      [{ network: "Cancun" }, /no longer a setting: set chain_spec = .*\n {2}→ at network/],
      [
        { chain_spec_file: "/nonexistent/genesis.json" },
        /chain_spec_file \(\/nonexistent\/genesis\.json\): not a readable JSON file/,
      ],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseEvmEeStfSettings(raw), JSON.stringify(raw)).toThrow(InvalidConfigError);
      expect(() => parseEvmEeStfSettings(raw), JSON.stringify(raw)).toThrow(message);
    }
  });

  it("fails the service's launch on bad settings", async () => {
    const node = await createStubRpc();
    try {
      await expect(startHarness(node, { settings: { max_blocks: -1 } })).rejects.toThrow(/max_blocks/);
      await expect(startHarness(node, { settings: { chain_spec: "atlantis" } })).rejects.toThrow(
        /plugin_settings\.evm-ee-stf: ✖ unknown preset "atlantis"/,
      );
      // A fork this prover does not execute, from genesis: not one block of the chain could be proven.
      await expect(
        startHarness(node, { settings: { chain_spec: { ...devnetChainConfig(), osakaTime: 0 } } }),
      ).rejects.toThrow(
        "plugin_settings.evm-ee-stf.chain_spec: osakaTime = 0 puts every block of the chain under osaka, " +
          "which is not executed (the rules executed end with prague): no block could be proven",
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
    // The merge block is the first the chain spec lets a range start at.
    expect(() => parseEvmEeStfContext(context(3, 5), 64, 4)).toThrow(
      /^invalid evm-ee-stf context: start\.number: block 3 is before the merge \(the chain spec's mergeForkBlock is 4\)/,
    );
    expect(parseEvmEeStfContext(context(4, 5), 64, 4).start.number).toBe(4);
  });
});
