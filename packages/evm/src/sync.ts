/**
 * `@paas/evm/sync`: synchronous stateless execution for guests. The execution itself runs on a
 * helper thread, so the guest's worker loads none of @ethereumjs (nor the KZG setup) itself.
 */
export { type ChainSpec, chainSpecHash } from "./chain-spec/chain-spec.js";
export { describeError, EvmError, type EvmErrorCode, isEvmError } from "./errors.js";
export type { Hex } from "./hex.js";
export type { BlockCommitment } from "./stateless/execute.js";
export { closeSyncExecutor, executeBlocksStatelesslySync, type SyncOptions } from "./sync/execute-sync.js";
export type { SyncStatelessInput, SyncStatelessResult } from "./sync/protocol.js";
export type { ExecutionWitness } from "./witness/types.js";
