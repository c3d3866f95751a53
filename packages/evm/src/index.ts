export { blockFromRlp, blockFromRpc } from "./blocks/from-rpc.js";
export { type BlockRlpSummary, inspectBlockRlp } from "./blocks/inspect.js";
export { type BlockInput, decodeBlock } from "./blocks/rlp.js";
export type { RpcAuthorization, RpcBlock, RpcTransaction, RpcWithdrawal } from "./blocks/rpc-types.js";
export { blockToRpc } from "./blocks/to-rpc.js";
export type { BuildBlockOptions } from "./chain/draft-block.js";
export {
  type BuiltBlock,
  type ChainBlock,
  ExecutionChain,
  type ExecutionChainOptions,
  type RestoreOptions,
  type StoredBlockRecord,
  type StoredWitness,
} from "./chain/execution-chain.js";
export {
  buildGenesisHeader,
  type GenesisAccount,
  type GenesisAlloc,
  type GenesisHeaderOptions,
  systemContractsAlloc,
} from "./chain/genesis.js";
export { SYSTEM_CONTRACTS, type SystemContract } from "./chain/system-contracts.js";
export { commonForBlock, requireExecutedRules } from "./chain-spec/block-rules.js";
export {
  type BlockRules,
  type ChainSpec,
  canonicalChainSpec,
  chainSpecHash,
  rulesAt,
} from "./chain-spec/chain-spec.js";
export { fixtureChainSpec } from "./chain-spec/fixture-networks.js";
export {
  BLOCK_FORKS,
  EXECUTED_TIME_FORKS,
  LAST_EXECUTED_FORK,
  TIME_FORKS,
  type TimeFork,
  type TimeForkKey,
} from "./chain-spec/forks.js";
export {
  ChainSpecError,
  type GethChainConfig,
  GethChainConfigSchema,
  parseChainSpec,
} from "./chain-spec/geth-config.js";
export {
  CHAIN_SPEC_PRESET_NAMES,
  CHAIN_SPEC_PRESETS,
  type ChainSpecPreset,
  DEVNET_CHAIN_ID,
  devnetChainConfig,
  devnetChainSpec,
  presetChainSpec,
} from "./chain-spec/presets.js";
export {
  type CommonOptions,
  chainSpecOf,
  createCommon,
  createDevnetCommon,
  createFixtureCommon,
} from "./common.js";
export { keccak256, nativeRecoveryAvailable } from "./crypto.js";
export {
  describeError,
  EvmError,
  type EvmErrorCode,
  isEvmError,
  MissingAncestorError,
  MissingCodeError,
  MissingWitnessNodeError,
  WitnessPrunedError,
} from "./errors.js";
export {
  type BlockchainTestFixture,
  type BlockchainTestResult,
  createFixtureChain,
  fixtureGenesisAlloc,
  runBlockchainTest,
} from "./fixtures/blockchain-test.js";
export { listFixtureFiles, readFixtureFile } from "./fixtures/load.js";
export type { Hex } from "./hex.js";
export { type BlockCommitment, executeBlocksStatelessly, type StatelessInput } from "./stateless/execute.js";
export { closeSyncExecutor, executeBlocksStatelesslySync, type SyncOptions } from "./sync/execute-sync.js";
export type { SyncStatelessInput, SyncStatelessResult } from "./sync/protocol.js";
export { type BinaryWitness, checkWitnessLimits, parseExecutionWitness } from "./witness/parse.js";
export { DEFAULT_WITNESS_LIMITS, type ExecutionWitness, type WitnessLimits } from "./witness/types.js";
