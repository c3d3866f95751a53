export * from "./contracts/clock.js";
export * from "./contracts/context.js";
export type * from "./contracts/handle.js";
export type * from "./contracts/host.js";
export * from "./contracts/manual-clock.js";
export type * from "./contracts/plugin.js";
export * from "./contracts/plugin-settings.js";
export type * from "./contracts/program.js";
export type * from "./contracts/proof-store.js";
export type * from "./contracts/receipt.js";
export * from "./contracts/retry.js";
export * from "./contracts/status.js";
export * from "./contracts/task-id.js";
export * from "./errors.js";
export * from "./registry/proof-plugin.js";
export { ProverServiceBuilder, type ProverServiceOptions } from "./service/builder.js";
export { ProverService } from "./service/prover-service.js";
export {
  DATABASE_FILE,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from "./store/open-database.js";
export { DatabaseProofStore } from "./store/proof-store.js";
export type { Database } from "./store/schema.js";
