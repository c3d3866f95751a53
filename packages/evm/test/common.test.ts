import { describe, expect, it } from "vitest";
import { createCommon, createDevnetCommon, createFixtureCommon, EvmError } from "../src/index.js";

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

  it("refuses transition and unknown networks by name", () => {
    expect(() => createFixtureCommon("ShanghaiToCancunAtTime15k")).toThrow(/not a single-fork network/);
    expect(() => createFixtureCommon("Nowhere")).toThrow(EvmError);
  });

  it("builds either from serialisable rules", () => {
    expect(createCommon({ kind: "devnet", chainId: 5 }).chainId()).toBe(5n);
    expect(createCommon({ kind: "fixture", network: "Shanghai" }).hardfork()).toBe("shanghai");
  });
});
