export { epochCrossing, evmEeStfContextFor, parseClStfContext, requireContextBlocks } from "./context.js";
export { ClStfPlugin } from "./plugin.js";
export {
  type ClStfCheck,
  type ClStfInput,
  ClStfRejectedError,
  clStfProgram,
  EVM_EE_STF_EXPECTED,
  MAX_BLOCKS_PER_PROOF,
} from "./program.js";
export {
  PROVE_CL_BLOCKS,
  type ProveClBlocksOptions,
  type ProveClBlocksResult,
  proveClBlocksMethod,
  type SubmittedTask,
} from "./rpc.js";
export { type ClStfSettings, ClStfSettingsSchema, DEFAULT_HORIZON, parseClStfSettings } from "./settings.js";
