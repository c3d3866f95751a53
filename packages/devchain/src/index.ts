export { type CheckpointTrust, checkCheckpointProof, type ProofCheck } from "./checkpoint-proof.js";
export {
  CONTRACTS,
  type ContractName,
  DESTRUCTIBLE_INIT,
  initCode,
  word,
} from "./contracts.js";
export {
  bytes32,
  type CheckpointProofStatus,
  type CheckpointRecord,
  type CheckpointSubmissionResult,
  DEFAULT_RETAIN_BLOCKS,
  DevChain,
  type DevChainConfig,
  type DevChainEvent,
  type DevChainListener,
  type ElBlockRef,
  type ProducedBlock,
  type RpcBlockWithHashes,
} from "./dev-chain.js";
export { DevChainNotFoundError, DevChainPrunedError } from "./errors.js";
export { DEFAULT_SEED, deriveSecretKey, type Seed, SeededRandom } from "./seed.js";
export { type SequencedBlock, Sequencer } from "./sequencer.js";
export { type AccountState, StateView } from "./state-view.js";
export { createDevChain, type TestChainOptions } from "./testing/chain.js";
export { commitBytesProgram, otherProgram } from "./testing/programs.js";
export {
  FUNDED_BALANCE,
  type FundedAccount,
  WORKLOAD_KINDS,
  Workload,
  type WorkloadBlock,
  type WorkloadKind,
  type WorkloadOptions,
} from "./workload.js";
