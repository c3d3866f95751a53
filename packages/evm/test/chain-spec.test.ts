import { Holesky, Hoodi, Mainnet, Sepolia } from "@ethereumjs/common";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  BLOCK_FORKS,
  CHAIN_SPEC_PRESET_NAMES,
  CHAIN_SPEC_PRESETS,
  ChainSpecError,
  chainSpecHash,
  createCommon,
  devnetChainConfig,
  devnetChainSpec,
  fixtureChainSpec,
  parseChainSpec,
  presetChainSpec,
  rulesAt,
  TIME_FORKS,
} from "../src/index.js";

/** The problems of a config that does not parse, as "path: message". */
function problems(config: unknown): string[] {
  try {
    parseChainSpec(config);
  } catch (error) {
    if (!(error instanceof ChainSpecError)) throw error;
    return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  }
  throw new Error("the config parsed");
}

describe("chain specs in geth's config format", () => {
  it("parses every preset", () => {
    for (const name of CHAIN_SPEC_PRESET_NAMES) expect(() => presetChainSpec(name)).not.toThrow();
  });

  it("has mainnet's, Sepolia's, Holesky's and Hoodi's schedules as @ethereumjs/common carries them", () => {
    for (const [name, chain] of [
      ["mainnet", Mainnet],
      ["sepolia", Sepolia],
      ["holesky", Holesky],
      ["hoodi", Hoodi],
    ] as const) {
      const spec = presetChainSpec(name);
      expect(spec.chainId).toBe(Number(chain.chainId));
      expect(spec.depositContractAddress).toBe(chain.depositContractAddress?.toLowerCase());
      expect(spec.mergeForkBlock).toBe(chain.hardforks.find((fork) => fork.name === "paris")?.block);
      for (const { key, hardfork } of TIME_FORKS) {
        const scheduled = chain.hardforks.find((fork) => fork.name === hardfork)?.timestamp;
        expect(spec[key], `${name} ${key}`).toBe(
          scheduled === undefined || scheduled === null ? undefined : Number(scheduled),
        );
      }
    }
  });

  it("lists the forks in @ethereumjs's order", () => {
    const order = Mainnet.hardforks.map((fork) => fork.name as string);
    const ours = [...BLOCK_FORKS, ...TIME_FORKS].map((fork) => fork.hardfork as string);
    const known = ours.filter((name) => order.includes(name));
    expect(known.map((name) => order.indexOf(name))).toEqual(
      [...known.map((name) => order.indexOf(name))].sort((a, b) => a - b),
    );
  });

  it("reduces a config to the rules it applies", () => {
    expect(
      parseChainSpec({ ...devnetChainConfig(42), depositContractAddress: `0x${"AB".repeat(20)}` }),
    ).toEqual({
      chainId: 42,
      mergeForkBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      pragueTime: 0,
      depositContractAddress: `0x${"ab".repeat(20)}`,
    });
    const spec = devnetChainSpec();
    expect(parseChainSpec(spec)).toEqual(spec);
  });

  it("refuses unknown keys and unordered forks, naming the key", () => {
    const base = devnetChainConfig();
    expect(problems({ ...base, verkleTime: 5 })).toEqual([': Unrecognized key: "verkleTime"']);
    expect(problems({ ...base, cancunTime: 10, pragueTime: 5 })).toEqual([
      "pragueTime: pragueTime = 5 is before cancunTime = 10: forks activate in order",
    ]);
    expect(problems({ ...base, cancunTime: undefined })).toEqual([
      "pragueTime: pragueTime is set but cancunTime is not: forks activate in order",
    ]);
    expect(
      problems({ ...base, londonBlock: 0, berlinBlock: 3, terminalTotalDifficulty: 1, mergeForkBlock: 9 }),
    ).toEqual(["londonBlock: londonBlock = 0 is before berlinBlock = 3: forks activate in order"]);
    expect(problems({ ...base, chainId: 0 })).toEqual(["chainId: Too small: expected number to be >=1"]);
  });

  it("reads a current geth's schedule: amsterdamTime, and the blob-parameter-only forks a chain skips", () => {
    const mainnet = CHAIN_SPEC_PRESETS.mainnet;
    const amsterdam = parseChainSpec({
      ...mainnet,
      amsterdamTime: 1_800_000_000,
      blobSchedule: {
        ...mainnet.blobSchedule,
        amsterdam: { target: 14, max: 21, baseFeeUpdateFraction: 11_684_671 },
      },
    });
    expect(amsterdam.amsterdamTime).toBe(1_800_000_000);
    expect(createCommon(amsterdam).chainId()).toBe(1n);
    expect(rulesAt(amsterdam, 30_000_000n, 1_800_000_000n)).toMatchObject({
      kind: "unsupported",
      fork: "osaka",
    });
    // geth's CheckConfigForkOrder lets a chain skip BPO forks: they change blob parameters only.
    expect(parseChainSpec({ ...devnetChainConfig(), osakaTime: 10, amsterdamTime: 20 }).amsterdamTime).toBe(
      20,
    );
    expect(parseChainSpec({ ...devnetChainConfig(), osakaTime: 10, bpo2Time: 20 }).bpo2Time).toBe(20);
    expect(problems({ ...devnetChainConfig(), amsterdamTime: 20 })).toEqual([
      "amsterdamTime: amsterdamTime is set but osakaTime is not: forks activate in order",
    ]);
  });

  it("needs the merge block when the merge was not at genesis, and refuses pre-merge forks after it", () => {
    const base = devnetChainConfig();
    expect(problems({ ...base, terminalTotalDifficulty: "58750000000000000000000" })[0]).toMatch(
      /^mergeForkBlock: required unless terminalTotalDifficulty is 0.*pre-merge rules are out of scope/,
    );
    expect(problems({ ...base, terminalTotalDifficulty: 5, mergeForkBlock: 10, londonBlock: 11 })).toContain(
      "londonBlock: londonBlock = 11 is after the merge (block 10); pre-merge forks activate before it",
    );
    expect(parseChainSpec({ ...base, terminalTotalDifficulty: 5, mergeForkBlock: 10 }).mergeForkBlock).toBe(
      10,
    );
  });

  it("refuses blob parameters other than the executed forks' own", () => {
    const base = devnetChainConfig();
    expect(
      problems({
        ...base,
        blobSchedule: { cancun: { target: 4, max: 8, baseFeeUpdateFraction: 3338477 } },
      })[0],
    ).toMatch(/^blobSchedule.cancun: custom blob parameters are not supported/);
  });

  it("says which blob parameters were given and which the fork has, when refusing them", () => {
    // Gnosis-like parameters: the message must not read as if the chain's own were the standard ones.
    const given = { target: 1, max: 2, baseFeeUpdateFraction: 1112826 };
    expect(problems({ ...devnetChainConfig(), blobSchedule: { prague: given } })[0]).toBe(
      "blobSchedule.prague: custom blob parameters are not supported: the spec gives " +
        '{"target":1,"max":2,"baseFeeUpdateFraction":1112826}, Prague\'s own are ' +
        '{"target":6,"max":9,"baseFeeUpdateFraction":5007716}, the only ones executed',
    );
  });

  it("hashes the canonical text: key order does not matter, every rule does", () => {
    const spec = devnetChainSpec();
    const text =
      '{"chainId":1337,"mergeForkBlock":0,"shanghaiTime":0,"cancunTime":0,"pragueTime":0,' +
      `"depositContractAddress":"0x${"00".repeat(20)}"}`;
    const tag = sha256(utf8ToBytes("paas/evm/chain-spec/v1"));
    expect(chainSpecHash(spec)).toBe(
      `0x${bytesToHex(sha256(new Uint8Array([...tag, ...tag, ...utf8ToBytes(text)])))}`,
    );
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(chainSpecHash(reordered)).toBe(chainSpecHash(spec));
    const changes = [
      { chainId: 1338 },
      { pragueTime: 1 },
      { mergeForkBlock: 1 },
      { depositContractAddress: `0x${"01".repeat(20)}` },
    ];
    for (const change of changes)
      expect(chainSpecHash({ ...spec, ...change } as typeof spec)).not.toBe(chainSpecHash(spec));
  });
});

describe("which rules a block falls under", () => {
  const mainnet = presetChainSpec("mainnet");

  it("refuses pre-merge blocks and blocks of forks after Prague", () => {
    expect(rulesAt(mainnet, 15_537_393n, 1_663_224_162n)).toEqual({
      kind: "pre-merge",
      mergeForkBlock: 15_537_394,
    });
    expect(rulesAt(mainnet, 15_537_394n, 1_663_224_179n)).toEqual({ kind: "executed", fork: "paris" });
    expect(rulesAt(mainnet, 22_431_084n, 1_746_612_311n)).toEqual({ kind: "executed", fork: "prague" });
    expect(rulesAt(mainnet, 23_935_694n, 1_764_798_551n)).toEqual({
      kind: "unsupported",
      fork: "osaka",
      key: "osakaTime",
      since: 1_764_798_551,
    });
  });

  it("maps fixture networks to specs, transitions included", () => {
    expect(fixtureChainSpec("Cancun")).toMatchObject({ chainId: 1, shanghaiTime: 0, cancunTime: 0 });
    expect(fixtureChainSpec("Cancun").pragueTime).toBeUndefined();
    const transition = fixtureChainSpec("ParisToShanghaiAtTime15k");
    expect(transition.shanghaiTime).toBe(15_000);
    expect(rulesAt(transition, 4n, 14_000n)).toEqual({ kind: "executed", fork: "paris" });
    expect(rulesAt(transition, 5n, 15_000n)).toEqual({ kind: "executed", fork: "shanghai" });
    expect(() => fixtureChainSpec("CancunToShanghaiAtTime15k")).toThrow(
      /Shanghai does not follow cancun|shanghai does not follow cancun/,
    );
  });
});
