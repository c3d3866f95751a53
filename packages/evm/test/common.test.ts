import { describe, expect, it } from "vitest";
import {
  chainSpecOf,
  createCommon,
  createDevnetCommon,
  createFixtureCommon,
  devnetChainSpec,
  EvmError,
  presetChainSpec,
} from "../src/index.js";

describe("chain rules", () => {
  it("builds the devnet's Prague rules with every fork from block 0", () => {
    const common = createDevnetCommon(31337);
    expect(common.hardfork()).toBe("prague");
    expect(common.chainId()).toBe(31337n);
    expect(common.consensusType()).toBe("pos");
    expect(common.hardforkBlock("london")).toBe(0n);
    for (const eip of [1559, 4788, 4844, 2935, 7002, 7251, 7702, 7685])
      expect(common.isActivatedEIP(eip)).toBe(true);
    expect(common.customCrypto.keccak256).toBeDefined();
    expect(createDevnetCommon(1, { fastCrypto: false }).customCrypto.keccak256).toBeUndefined();
    expect(createDevnetCommon(1, { fastCrypto: false }).customCrypto.kzg).toBeDefined();
    expect(chainSpecOf(common)).toEqual(devnetChainSpec(31337));
  });

  it("refuses a chain id that is not a positive integer", () => {
    expect(() => createDevnetCommon(0)).toThrow(EvmError);
    expect(() => createDevnetCommon(1.5)).toThrow(/positive integer/);
  });

  it("builds a fixture network's rules, later forks never active", () => {
    const cancun = createFixtureCommon("Cancun");
    expect(cancun.hardfork()).toBe("cancun");
    expect(cancun.isActivatedEIP(4788)).toBe(true);
    expect(cancun.isActivatedEIP(2935)).toBe(false);
    expect(createFixtureCommon("Merge").hardfork()).toBe("paris");
    expect(createFixtureCommon("Prague").isActivatedEIP(7702)).toBe(true);
  });

  it("follows a transition network's schedule block by block", () => {
    const common = createFixtureCommon("ShanghaiToCancunAtTime15k");
    expect(common.getHardforkBy({ blockNumber: 5n, timestamp: 14_999n })).toBe("shanghai");
    expect(common.getHardforkBy({ blockNumber: 6n, timestamp: 15_000n })).toBe("cancun");
  });

  it("puts Paris at a chain's merge block and every later fork at its timestamp", () => {
    const mainnet = createCommon(presetChainSpec("mainnet"));
    expect(mainnet.chainId()).toBe(1n);
    expect(mainnet.getHardforkBy({ blockNumber: 15_537_394n, timestamp: 1_663_224_179n })).toBe("paris");
    expect(mainnet.getHardforkBy({ blockNumber: 17_034_870n, timestamp: 1_681_338_455n })).toBe("shanghai");
    expect(mainnet.getHardforkBy({ blockNumber: 19_426_587n, timestamp: 1_710_338_135n })).toBe("cancun");
    expect(mainnet.getHardforkBy({ blockNumber: 22_431_084n, timestamp: 1_746_612_311n })).toBe("prague");
  });

  it("refuses unknown networks and pre-merge ones by name", () => {
    expect(() => createFixtureCommon("Nowhere")).toThrow(EvmError);
    expect(() => createFixtureCommon("Berlin")).toThrow(/pre-merge rules are out of scope/);
    expect(() => createFixtureCommon("PragueToOsakaAtTime15k")).toThrow(/Osaka is not among the forks/);
  });

  it("knows only the specs of the Commons it made", () => {
    expect(() => chainSpecOf(createDevnetCommon(1).copy())).toThrow(/not made by createCommon/);
  });
});
