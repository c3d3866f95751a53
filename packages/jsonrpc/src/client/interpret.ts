import { callError, type JsonRpcCallError } from "../errors.js";
import { isErrorObject, JSONRPC_VERSION, type JsonRpcErrorObject, type JsonRpcId } from "../protocol.js";
import { type Validator, validate } from "../validation.js";

export type Interpreted<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: JsonRpcCallError };

/** What an answer's HTTP head says beside its body. */
export interface HttpAnswer {
  readonly status: number;
  /** The `Retry-After` of a node that says it is struggling (408, 429, 5xx). */
  readonly retryAfterMs?: number;
}

/** Is this a JSON-RPC 2.0 response object, whatever its id? */
export function looksLikeResponse(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    record.jsonrpc === JSONRPC_VERSION && (Object.hasOwn(record, "result") || isErrorObject(record.error))
  );
}

/**
 * Reads one response to the request `id`: the validated result, or a classified error. The id must
 * match, except that an error may carry `null` (the spec's answer when the server could not read
 * the request, e.g. a parse error or an oversized body) or no id at all (providers refusing a key,
 * e.g. Infura's 403, leave it out).
 */
export function interpretResponse<T>(
  method: string,
  id: number,
  response: unknown,
  validator: Validator<T> | undefined,
  permanentCodes: ReadonlySet<number>,
  http: HttpAnswer,
): Interpreted<T> {
  const httpStatus = http.status;
  if (!looksLikeResponse(response)) {
    return garbled(method, "the answer is not a JSON-RPC 2.0 response", httpStatus);
  }
  const answeredId = response.id as JsonRpcId | undefined;
  const isError = isErrorObject(response.error);
  if (answeredId !== id && !(isError && (answeredId === null || answeredId === undefined))) {
    return garbled(
      method,
      `response id ${JSON.stringify(answeredId)} does not match request id ${id}`,
      httpStatus,
    );
  }
  if (isError) {
    const rpc = response.error as JsonRpcErrorObject;
    // A node (or its provider) that says it is overloaded is waited out, whatever code it adds; one
    // that refuses the credentials (a key not allowed, a project's settings) is not, whatever code.
    const permanent =
      isRefusedAccess(httpStatus) || (permanentCodes.has(rpc.code) && !isStrugglingStatus(httpStatus));
    const details = {
      method,
      failure: "rpc-error" as const,
      rpcCode: rpc.code,
      rpcData: rpc.data,
      httpStatus,
      retryAfterMs: http.retryAfterMs,
    };
    return { ok: false, error: callError(permanent, `${rpc.message} (JSON-RPC error ${rpc.code})`, details) };
  }
  if (validator === undefined) return { ok: true, value: response.result as T };
  const checked = validate(validator, response.result, "result");
  if (checked.ok) return checked;
  return malformed(method, `invalid result: ${checked.problem}`, httpStatus);
}

/** A well-formed answer whose content is wrong (its result does not fit): retrying cannot help. */
export function malformed(
  method: string,
  why: string,
  httpStatus?: number,
): { ok: false; error: JsonRpcCallError } {
  return { ok: false, error: callError(true, why, { method, failure: "malformed", httpStatus }) };
}

/**
 * An answer damaged on the way (not JSON, cut short, not JSON-RPC, someone else's id): what a proxy
 * or a network hiccup produces, so transient.
 */
export function garbled(
  method: string,
  why: string,
  httpStatus?: number,
): { ok: false; error: JsonRpcCallError } {
  return { ok: false, error: callError(false, why, { method, failure: "malformed", httpStatus }) };
}

/** HTTP statuses of a node or provider refusing the request's credentials: asking again cannot help. */
function isRefusedAccess(status: number): boolean {
  return status === 401 || status === 403;
}

/** HTTP statuses of a node or proxy that is struggling (timeout, rate limit, server error): transient. */
export function isStrugglingStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
