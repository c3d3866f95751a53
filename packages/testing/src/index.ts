export {
  ALL_PROXY_FAULTS,
  FaultProxy,
  type FaultProxyOptions,
  type ProxyFault,
  startFaultProxy,
} from "./fault-proxy.js";
export {
  createPluginHarness,
  FAST_RETRY,
  type HarnessOptions,
  PluginHarness,
  type ProveOutcome,
} from "./harness.js";
export type { Override } from "./overrides.js";
export { type StandIn, StandInHost, signReceipt } from "./stand-ins.js";
export { createStubRpc, type StubCall, type StubFailure, type StubHandler, StubRpc } from "./stub-rpc.js";
export { until } from "./until.js";
