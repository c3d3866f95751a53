export { type Devnet, type DevnetOptions, startDevnet } from "./devnet.js";
export {
  type FaultDecision,
  type FaultScope,
  type FaultState,
  FaultSwitches,
  type Namespace,
  namespacesOf,
} from "./faults.js";
export { loadOrCreateSequencerKey, proverPublicKeyFromKeyFile, SEQUENCER_KEY_FILE } from "./keys.js";
export { adminMethods } from "./methods/admin.js";
export { clMethods, MAX_BLOCKS_PER_RANGE } from "./methods/cl.js";
export { elMethods } from "./methods/el.js";
