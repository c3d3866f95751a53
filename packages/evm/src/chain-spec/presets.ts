/**
 * Named chain specs, written as geth's genesis `config` for those chains (geth's `params`
 * package), with `mergeForkBlock` added: the first proof-of-stake block, which geth finds by total
 * difficulty and a stateless prover cannot (Holesky and Hoodi started merged). A test holds
 * mainnet's, Sepolia's, Holesky's and Hoodi's to the schedules @ethereumjs/common carries for them.
 */
import type { ChainSpec } from "./chain-spec.js";
import { type GethChainConfig, parseChainSpec } from "./geth-config.js";

/** A chain that starts with every fork before the merge (the testnets since Sepolia, the devnet). */
const PRE_MERGE_FORKS_AT_GENESIS = {
  homesteadBlock: 0,
  eip150Block: 0,
  eip155Block: 0,
  eip158Block: 0,
  byzantiumBlock: 0,
  constantinopleBlock: 0,
  petersburgBlock: 0,
  istanbulBlock: 0,
  berlinBlock: 0,
  londonBlock: 0,
} as const;

const MAINNET: GethChainConfig = {
  chainId: 1,
  homesteadBlock: 1_150_000,
  daoForkBlock: 1_920_000,
  daoForkSupport: true,
  eip150Block: 2_463_000,
  eip155Block: 2_675_000,
  eip158Block: 2_675_000,
  byzantiumBlock: 4_370_000,
  constantinopleBlock: 7_280_000,
  petersburgBlock: 7_280_000,
  istanbulBlock: 9_069_000,
  muirGlacierBlock: 9_200_000,
  berlinBlock: 12_244_000,
  londonBlock: 12_965_000,
  arrowGlacierBlock: 13_773_000,
  grayGlacierBlock: 15_050_000,
  terminalTotalDifficulty: "58750000000000000000000",
  mergeForkBlock: 15_537_394,
  shanghaiTime: 1_681_338_455,
  cancunTime: 1_710_338_135,
  pragueTime: 1_746_612_311,
  osakaTime: 1_764_798_551,
  bpo1Time: 1_765_290_071,
  bpo2Time: 1_767_747_671,
  depositContractAddress: "0x00000000219ab540356cBB839Cbe05303d7705Fa",
  blobSchedule: {
    cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 },
    prague: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
    osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
    bpo1: { target: 10, max: 15, baseFeeUpdateFraction: 8_346_193 },
    bpo2: { target: 14, max: 21, baseFeeUpdateFraction: 11_684_671 },
  },
  ethash: {},
};

const SEPOLIA: GethChainConfig = {
  chainId: 11_155_111,
  ...PRE_MERGE_FORKS_AT_GENESIS,
  muirGlacierBlock: 0,
  terminalTotalDifficulty: "17000000000000000",
  mergeForkBlock: 1_450_409,
  mergeNetsplitBlock: 1_735_371,
  shanghaiTime: 1_677_557_088,
  cancunTime: 1_706_655_072,
  pragueTime: 1_741_159_776,
  osakaTime: 1_760_427_360,
  bpo1Time: 1_761_017_184,
  bpo2Time: 1_761_607_008,
  depositContractAddress: "0x7f02c3e3c98b133055b8b348b2ac625669ed295d",
  blobSchedule: {
    cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 },
    prague: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
    osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
    bpo1: { target: 10, max: 15, baseFeeUpdateFraction: 8_346_193 },
    bpo2: { target: 14, max: 21, baseFeeUpdateFraction: 11_684_671 },
  },
  ethash: {},
};

/** The blob parameters geth gives the testnets (EIP-4844, EIP-7691, then the BPO forks'). */
const TESTNET_BLOB_SCHEDULE = SEPOLIA.blobSchedule;

const HOLESKY: GethChainConfig = {
  chainId: 17_000,
  ...PRE_MERGE_FORKS_AT_GENESIS,
  terminalTotalDifficulty: 0,
  shanghaiTime: 1_696_000_704,
  cancunTime: 1_707_305_664,
  pragueTime: 1_740_434_112,
  osakaTime: 1_759_308_480,
  bpo1Time: 1_759_800_000,
  bpo2Time: 1_760_389_824,
  depositContractAddress: "0x4242424242424242424242424242424242424242",
  blobSchedule: TESTNET_BLOB_SCHEDULE,
  ethash: {},
};

const HOODI: GethChainConfig = {
  chainId: 560_048,
  ...PRE_MERGE_FORKS_AT_GENESIS,
  terminalTotalDifficulty: 0,
  shanghaiTime: 0,
  cancunTime: 0,
  pragueTime: 1_742_999_832,
  osakaTime: 1_761_677_592,
  bpo1Time: 1_762_365_720,
  bpo2Time: 1_762_955_544,
  depositContractAddress: "0x00000000219ab540356cBB839Cbe05303d7705Fa",
  blobSchedule: TESTNET_BLOB_SCHEDULE,
  ethash: {},
};

/** The devnet's chain id (@paas/devchain's default). */
export const DEVNET_CHAIN_ID = 1337;

/**
 * The devnet's rules (@paas/devchain, apps/devnet): merged at genesis, Shanghai, Cancun and Prague
 * from genesis, no deposit contract. The devnet publishes this config (`debug_chainConfig`) with
 * its own chain id.
 */
export function devnetChainConfig(chainId = DEVNET_CHAIN_ID): GethChainConfig {
  return {
    chainId,
    ...PRE_MERGE_FORKS_AT_GENESIS,
    terminalTotalDifficulty: 0,
    shanghaiTime: 0,
    cancunTime: 0,
    pragueTime: 0,
    blobSchedule: {
      cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 },
      prague: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
    },
  };
}

export const CHAIN_SPEC_PRESETS = {
  mainnet: MAINNET,
  sepolia: SEPOLIA,
  holesky: HOLESKY,
  hoodi: HOODI,
  devnet: devnetChainConfig(),
} as const satisfies Record<string, GethChainConfig>;

export type ChainSpecPreset = keyof typeof CHAIN_SPEC_PRESETS;

export const CHAIN_SPEC_PRESET_NAMES = Object.keys(CHAIN_SPEC_PRESETS) as ChainSpecPreset[];

/** A preset's `ChainSpec`. */
export function presetChainSpec(name: ChainSpecPreset): ChainSpec {
  return parseChainSpec(CHAIN_SPEC_PRESETS[name], `chain spec preset "${name}"`);
}

/** The devnet's `ChainSpec` under the given chain id. */
export function devnetChainSpec(chainId = DEVNET_CHAIN_ID): ChainSpec {
  return parseChainSpec(devnetChainConfig(chainId), "the devnet's chain spec");
}
