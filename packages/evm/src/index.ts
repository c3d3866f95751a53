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
export {
  type ChainRules,
  type CommonOptions,
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
export type { SyncStatelessInput } from "./sync/protocol.js";
export { type BinaryWitness, checkWitnessLimits, parseExecutionWitness } from "./witness/parse.js";
export { DEFAULT_WITNESS_LIMITS, type ExecutionWitness, type WitnessLimits } from "./witness/types.js";
