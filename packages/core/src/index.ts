export type { InstanceRole } from "./cluster/membership.js";
export { COMPLETIONS_REREAD_MS, CompletionFollower } from "./completions.js";
export { capConnections } from "./connection-cap.js";
export * from "./contracts.js";
export { foreignHostMessage, hostCheck, isLoopback } from "./loopback.js";
export { nearestName } from "./nearest-name.js";
export { readCapped } from "./read-capped.js";
export type { KindOptions } from "./registry/kind-registry.js";
export * from "./registry/proof-plugin.js";
export {
  backendParam,
  chainNumberParam,
  MAX_BACKEND_NAME,
  type RangeParams,
  rangeCheck,
} from "./rpc-params.js";
export type { ProvingLoad } from "./scheduler/proving-slots.js";
export { ADMISSION_DEADLINE_MS } from "./scheduler/scheduler.js";
export { newInstanceId, ProverServiceBuilder, type ProverServiceOptions } from "./service/builder.js";
export {
  type ContributedRpcMethod,
  PLUGIN_RPC_DEADLINE_MS,
  ProverService,
} from "./service/prover-service.js";
export { cutIfUnread } from "./slow-reader.js";
export { isConnectionLoss, isCredentialRefusal, isStorageFull } from "./store/database-errors.js";
export {
  DATABASE_FILE,
  type DatabaseLocation,
  type OpenedDatabase,
  openDatabase,
} from "./store/open-database.js";
export { redactedUrl } from "./store/open-postgres.js";
export { DatabaseProofStore } from "./store/proof-store.js";
export type { Database } from "./store/schema.js";
export { type HeldLock, holdLockFile } from "./store/sqlite-lock.js";
export { unknownMigrations } from "./store/unknown-migrations.js";
export { parseContextWith, parseParamsWith, parsePluginSettings, retiredSetting } from "./validation.js";
