// First, before anything else loads: refuses this entry point inside a proving worker.
import "./worker-guard.js";

export {
  type GuestInputCode,
  type GuestOutputCode,
  type HostConfigCode,
  HostConfigError,
  type ProgramDefinitionCode,
  type ReceiptFormatCode,
  type ReceiptVerificationCode,
  type ValueCodecCode,
} from "./errors.js";
export * from "./host/host-key.js";
export * from "./host/native-host.js";
export * from "./host/remote-host.js";
export * from "./host/resolver.js";
export * from "./program/index.js";
export {
  DEFAULT_RECEIPT_LIMITS,
  decodeReceipt,
  encodeReceipt,
  PROGRAM_ID_BYTES,
  type ReceiptLimits,
} from "./receipt/codec.js";
export * from "./receipt/json.js";
export { RECEIPT_MESSAGE_TAG, receiptMessage } from "./receipt/message.js";
export { SIGNATURE_BYTES, type VerifyReceiptOptions, verifyReceipt } from "./receipt/verify.js";
export type * from "./remote/contract.js";
export { HttpRemoteProver, type HttpRemoteProverOptions } from "./remote/http-remote-prover.js";
export { PROPOSED_JOB_ID_PATTERN, REMOTE_PROVER_OPENAPI } from "./remote/openapi.js";
