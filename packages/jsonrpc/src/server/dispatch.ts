import { RpcErrorCode } from "../codes.js";
import { JsonRpcError } from "../errors.js";
import {
  failureResponse,
  isJsonRpcId,
  isJsonRpcParams,
  JSONRPC_VERSION,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcResponse,
  successResponse,
  withoutBom,
} from "../protocol.js";
import type { BearerCheck } from "./auth.js";
import { INTERNAL_ERROR, toErrorObject } from "./errors-to-wire.js";
import type { JsonRpcMethod, MethodContext } from "./methods.js";
import { type DispatchAnswer, StreamedAnswer, StreamedResult } from "./streamed-result.js";

/**
 * Every call answered with an error, and failures outside any call (then `method` is absent: an
 * extra route, a broken connection). `sent` is what the caller got, so a listener can tell the
 * caller's mistakes (unknown method, bad params, missing token) from the server's own failures.
 */
export type ErrorListener = (
  error: unknown,
  info: { readonly method?: string; readonly sent: JsonRpcErrorObject },
) => void;

export interface DispatchOptions {
  readonly methods: ReadonlyMap<string, JsonRpcMethod>;
  readonly maxBatchSize: number;
  /** A batch's answers in total, in bytes; default `DEFAULT_MAX_BATCH_RESPONSE_BYTES`. */
  readonly maxBatchResponseBytes?: number;
  /** Whether mutating methods need the bearer token. */
  readonly authRequired: boolean;
  /** Where a caller finds the token: ends the message of a refused call. */
  readonly authHint?: string;
  readonly onError?: ErrorListener;
}

/**
 * A small batch of list or proof reads can ask for hundreds of megabytes of answer; past this, the
 * batch's remaining calls are not run and each is answered with RESPONSE_TOO_LARGE instead.
 */
export const DEFAULT_MAX_BATCH_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface RequestScope {
  readonly authenticated: boolean;
  /** Why a request is not authenticated, for the message: no token, or a token that does not match. */
  readonly bearer?: BearerCheck;
  /** Read only by handlers that ask for it (see `RequestSignal`). */
  readonly signal: AbortSignal;
  /** The socket's peer, handed to each call (`MethodContext.remoteAddress`). */
  readonly remoteAddress?: string;
}

/**
 * Reads JSON bytes as UTF-8, which RFC 8259 requires, and throws on bytes that are not: read
 * loosely, each bad byte became U+FFFD, and a name sent in Latin-1 was taken as another name. The
 * BOM is kept for `withoutBom`.
 */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Answers one HTTP body, as received (bytes) or already text: a single request or a batch. Returns
 * the response text (a `StreamedAnswer` for a single call whose result is a `StreamedResult`), or
 * undefined when nothing must be sent (only notifications). Each response is serialised on its
 * own, so one result that cannot be turned into JSON fails only its own call.
 */
export async function dispatchBody(
  body: string | Uint8Array,
  scope: RequestScope,
  options: DispatchOptions,
): Promise<DispatchAnswer | undefined> {
  let text: string;
  try {
    text = typeof body === "string" ? body : strictUtf8.decode(body);
  } catch {
    return serialise(
      failureResponse(null, {
        code: RpcErrorCode.PARSE_ERROR,
        message: "parse error: body is not valid UTF-8",
      }),
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(withoutBom(text));
  } catch {
    return serialise(
      failureResponse(null, {
        code: RpcErrorCode.PARSE_ERROR,
        message: "parse error: body is not valid JSON",
      }),
    );
  }
  if (!Array.isArray(payload)) return dispatchOne(payload, scope, options);
  if (payload.length === 0) {
    return serialise(invalidRequest(null, "an empty batch is not a valid request"));
  }
  if (payload.length > options.maxBatchSize) {
    return serialise(
      invalidRequest(
        null,
        `a batch of ${payload.length} requests exceeds the limit of ${options.maxBatchSize}`,
      ),
    );
  }
  // Sequential on purpose: mutating calls in one batch take effect in the order they were sent.
  const maxBytes = options.maxBatchResponseBytes ?? DEFAULT_MAX_BATCH_RESPONSE_BYTES;
  const answers: string[] = [];
  let bytes = 0;
  for (const item of payload) {
    const dispatched = bytes > maxBytes ? notRun(item, maxBytes) : await dispatchOne(item, scope, options);
    if (dispatched === undefined) continue;
    const answer = dispatched instanceof StreamedAnswer ? dispatched.joined() : dispatched;
    answers.push(answer);
    bytes += Buffer.byteLength(answer);
  }
  return answers.length === 0 ? undefined : `[${answers.join(",")}]`;
}

/**
 * A call left out of a batch whose answers already passed the cap. A notification is left out
 * silently, as JSON-RPC answers none: a client must not send state changes as notifications.
 */
function notRun(item: unknown, maxBytes: number): string | undefined {
  const checked = checkRequest(item);
  if ("invalid" in checked) return serialise(invalidRequest(checked.id, checked.invalid));
  if (checked.notification) return undefined;
  return serialise(
    failureResponse(checked.id, {
      code: RpcErrorCode.RESPONSE_TOO_LARGE,
      message: `not run: this batch's answers passed ${maxBytes} bytes; send the remaining calls in another request`,
    }),
  );
}

async function dispatchOne(
  item: unknown,
  scope: RequestScope,
  options: DispatchOptions,
): Promise<DispatchAnswer | undefined> {
  const checked = checkRequest(item);
  if ("invalid" in checked) return serialise(invalidRequest(checked.id, checked.invalid));
  const { method, params, id, notification } = checked;

  const entry = options.methods.get(method);
  let outcome: { result: unknown } | { error: JsonRpcErrorObject };
  if (entry === undefined) {
    outcome = refused(
      options,
      method,
      new JsonRpcError(RpcErrorCode.METHOD_NOT_FOUND, `method "${clip(method)}" not found`),
    );
  } else if (entry.mutates && options.authRequired && !scope.authenticated) {
    const why =
      scope.bearer === "wrong"
        ? "the bearer token does not match the server's"
        : "it requires a bearer token (Authorization: Bearer <token>)";
    outcome = refused(
      options,
      method,
      new JsonRpcError(
        RpcErrorCode.UNAUTHORIZED,
        `unauthorized: method "${method}": ${why}${options.authHint === undefined ? "" : `; ${options.authHint}`}`,
      ),
    );
  } else {
    const ctx: MethodContext = {
      method,
      authenticated: scope.authenticated,
      notification,
      get signal() {
        return scope.signal;
      },
      ...(scope.remoteAddress !== undefined && { remoteAddress: scope.remoteAddress }),
    };
    try {
      outcome = { result: await entry.handler(params, ctx) };
    } catch (error) {
      const sent = toErrorObject(error);
      report(options.onError, error, method, sent);
      outcome = { error: sent };
    }
  }
  if (notification) return undefined;
  if ("result" in outcome && outcome.result instanceof StreamedResult) {
    return new StreamedAnswer(id, outcome.result, (error) =>
      report(options.onError, error, method, INTERNAL_ERROR),
    );
  }
  const response =
    "error" in outcome ? failureResponse(id, outcome.error) : successResponse(id, outcome.result ?? null);
  try {
    return JSON.stringify(response);
  } catch (error) {
    // A result (or error data) with a bigint or a cycle: the call fails, the rest of a batch does not.
    report(options.onError, error, method, INTERNAL_ERROR);
    return serialise(failureResponse(id, INTERNAL_ERROR));
  }
}

/** A call refused before its handler ran: answered, and reported like any other error. */
function refused(
  options: DispatchOptions,
  method: string,
  error: JsonRpcError,
): { error: JsonRpcErrorObject } {
  const sent = error.toErrorObject();
  report(options.onError, error, clip(method), sent);
  return { error: sent };
}

type CheckedRequest =
  | { method: string; params: unknown; id: JsonRpcId; notification: boolean }
  | { invalid: string; id: JsonRpcId };

function checkRequest(item: unknown): CheckedRequest {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return { invalid: "a request must be a JSON object", id: null };
  }
  const request = item as Record<string, unknown>;
  const hasId = Object.hasOwn(request, "id");
  const id = hasId && isJsonRpcId(request.id) ? request.id : null;
  if (hasId && !isJsonRpcId(request.id)) return { invalid: "id must be a string, a number or null", id };
  if (request.jsonrpc !== JSONRPC_VERSION) return { invalid: `jsonrpc must be "${JSONRPC_VERSION}"`, id };
  if (typeof request.method !== "string" || request.method.length === 0) {
    return { invalid: "method must be a non-empty string", id };
  }
  if (request.params !== undefined && !isJsonRpcParams(request.params)) {
    return { invalid: "params must be an array or an object", id };
  }
  return { method: request.method, params: request.params, id, notification: !hasId };
}

function invalidRequest(id: JsonRpcId, why: string): JsonRpcResponse {
  return failureResponse(id, { code: RpcErrorCode.INVALID_REQUEST, message: `invalid request: ${why}` });
}

/** For responses built here from strings and numbers only, which always serialise. */
function serialise(response: JsonRpcResponse): string {
  return JSON.stringify(response);
}

function report(
  listener: ErrorListener | undefined,
  error: unknown,
  method: string,
  sent: JsonRpcErrorObject,
): void {
  try {
    listener?.(error, { method, sent });
  } catch {
    // A failing logger must not turn an answered call into a crashed request.
  }
}

/** Method names are echoed back; long ones are cut so an error cannot be used to reflect a large body. */
function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
