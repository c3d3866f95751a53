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
  DevChain,
  type DevChainConfig,
  type DevChainEvent,
  type DevChainListener,
  type ElBlockRef,
  type ProducedBlock,
  type RpcBlockWithHashes,
} from "./dev-chain.js";
export { DevChainNotFoundError } from "./errors.js";
export { DEFAULT_SEED, deriveSecretKey, type Seed, SeededRandom } from "./seed.js";
export { type SequencedBlock, Sequencer } from "./sequencer.js";
export { type AccountState, StateView } from "./state-view.js";
export { createDevChain, type TestChainOptions } from "./testing.js";
export {
  FUNDED_BALANCE,
  type FundedAccount,
  WORKLOAD_KINDS,
  Workload,
  type WorkloadBlock,
  type WorkloadKind,
  type WorkloadOptions,
} from "./workload.js";
