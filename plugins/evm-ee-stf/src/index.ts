export { chainIdOf, FIXTURE_CHAIN_ID } from "./chain-id.js";
export {
  type ConformanceCase,
  type ConformanceResult,
  type ConformanceRunOptions,
  type ConformanceSummary,
  caseLabel,
  conformanceInput,
  listConformanceFiles,
  readConformanceCases,
  runConformance,
  runConformanceCase,
  type WitnessKind,
} from "./conformance.js";
export { parseEvmEeStfContext, rangeLength } from "./context.js";
export { ReorgError } from "./errors.js";
export { type FetchedRange, fetchRange } from "./fetcher.js";
export {
  type EvmEeStfBlockInput,
  type EvmEeStfInput,
  INPUT_FORMAT,
  readEvmEeStfInput,
  type WitnessBytes,
  witnessBytes,
  writeEvmEeStfInput,
} from "./input.js";
export { EvmEeStfPlugin } from "./plugin.js";
export { evmEeStfProgram } from "./program.js";
export { proveElBlocksMethod } from "./rpc.js";
export {
  DEFAULT_CHAIN_ID,
  DEFAULT_FETCH_CONCURRENCY,
  DEFAULT_MAX_BLOCKS,
  type EvmEeStfSettings,
  EvmEeStfSettingsSchema,
  parseSettings,
} from "./settings.js";
export * as testing from "./testing.js";
