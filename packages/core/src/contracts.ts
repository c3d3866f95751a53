/**
 * `@paas/core/contracts`: the contracts and errors without the runtime (no tsyringe, kysely or
 * SQLite). Code that runs inside proving workers, or shared domain code that guests import,
 * imports this entry point so a worker does not load the scheduler's dependencies.
 */
export * from "./contracts/clock.js";
export * from "./contracts/context.js";
export type * from "./contracts/handle.js";
export * from "./contracts/hex.js";
export type * from "./contracts/host.js";
export * from "./contracts/logger.js";
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
