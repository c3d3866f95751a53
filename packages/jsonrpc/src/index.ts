export { AnswerBudget, type AnswerTicket } from "./client/answer-budget.js";
export * from "./client/client.js";
export { DEFAULT_CALL_RETRY, type RetryPolicy } from "./client/retry.js";
export * from "./codes.js";
export * from "./errors.js";
export * from "./protocol.js";
export { type BearerCheck, checkBearer } from "./server/auth.js";
export {
  DEFAULT_MAX_BATCH_RESPONSE_BYTES,
  type DispatchOptions,
  dispatchBody,
  type ErrorListener,
  type RequestScope,
} from "./server/dispatch.js";
export { INTERNAL_ERROR, toErrorObject } from "./server/errors-to-wire.js";
export * from "./server/methods.js";
export { readBodyCapped } from "./server/read-body.js";
export { RequestSignal, requestScope } from "./server/request-signal.js";
export * from "./server/server.js";
export {
  type DispatchAnswer,
  endConnectionIfClosing,
  StreamedAnswer,
  StreamedResult,
} from "./server/streamed-result.js";
export {
  newRpcToken,
  RPC_TOKEN_FILE,
  type RpcToken,
  readRpcTokenFile,
  writeRpcTokenFile,
} from "./server/token-file.js";
export * from "./validation.js";
