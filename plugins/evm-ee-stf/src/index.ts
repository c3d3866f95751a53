export { type ConformancePlan, type ProofJob, planConformanceCase } from "./conformance/plan.js";
export {
  type ConformanceCase,
  type ConformanceCounts,
  type ConformanceResult,
  type ConformanceRunOptions,
  type ConformanceStatus,
  type ConformanceSummary,
  caseLabel,
  DEFAULT_TEST_TIMEOUT_MS,
  describeCounts,
  listConformanceFiles,
  readConformanceCases,
  runConformance,
  type WitnessKind,
} from "./conformance/run.js";
export { parseEvmEeStfContext, rangeLength } from "./context.js";
export { type FetchedRange, fetchRange } from "./fetcher.js";
export {
  type EvmEeStfBlockInput,
  type EvmEeStfInput,
  type FramedBlockInput,
  INPUT_FORMAT,
  readEvmEeStfInput,
  type UnframedEvmEeStfInput,
  type WitnessBytes,
  witnessBytes,
  writeEvmEeStfInput,
} from "./input.js";
export { EvmEeStfPlugin } from "./plugin.js";
export { evmEeStfProgram } from "./program.js";
export { proveElBlocksMethod } from "./rpc.js";
export {
  DEFAULT_CHAIN_SPEC,
  DEFAULT_FETCH_CONCURRENCY,
  DEFAULT_HORIZON,
  DEFAULT_MAX_BLOCKS,
  type EvmEeStfSettings,
  EvmEeStfSettingsSchema,
  parseEvmEeStfSettings,
} from "./settings.js";
