export { checkpointContext, clStfDependencies, parseCheckpointContext, splitRange } from "./context.js";
export type { CheckpointReport } from "./facts.js";
export { CheckpointPlugin } from "./plugin.js";
export {
  type CheckpointGuestCheck,
  type CheckpointInput,
  CL_STF_EXPECTED,
  checkpointProgram,
  decodeBatchTransition,
  MAX_CL_STF_RECEIPTS,
} from "./program.js";
export { CheckpointRejectedError, publishCheckpoint } from "./publication.js";
export { checkpointRpcMethods, type ProveCheckpointResult } from "./rpc.js";
export { CheckpointRunner, type CheckpointRunnerOptions, type TickOutcome } from "./runner.js";
export {
  type CheckpointSettings,
  CheckpointSettingsSchema,
  DEFAULT_FAILED_RETRIES,
  DEFAULT_FAILED_RETRY_DELAY_MS,
  DEFAULT_HORIZON,
  DEFAULT_INTERVAL_MS,
  DEFAULT_WINDOW,
  parseCheckpointSettings,
} from "./settings.js";
