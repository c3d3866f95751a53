import { readCapped } from "@paas/core";
import { request } from "undici";
import { PERMANENT_RPC_CODES } from "../codes.js";
import { callError, isJsonRpcCallError, type JsonRpcCallError } from "../errors.js";
import { JSONRPC_VERSION, type JsonRpcParams, type JsonRpcRequest, withoutBom } from "../protocol.js";
import type { Validator } from "../validation.js";
import type { AnswerBudget } from "./answer-budget.js";
import {
  garbled,
  type HttpAnswer,
  type Interpreted,
  interpretResponse,
  isStrugglingStatus,
  looksLikeResponse,
  malformed,
} from "./interpret.js";
import {
  DEFAULT_CALL_RETRY,
  isRetryable,
  parseRetryAfter,
  pause,
  pauseBeforeRetry,
  type RetryPolicy,
} from "./retry.js";
import { transportFailure } from "./transport-failure.js";

export interface JsonRpcClientOptions {
  readonly url: string | URL;
  /** Per-call deadline, covering connection, request and the whole response body. Default 30 s. */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Application error codes that mean "retrying cannot help", added to `PERMANENT_RPC_CODES`. */
  readonly permanentCodes?: Iterable<number>;
  /**
   * Codes taken out of `PERMANENT_RPC_CODES` for this server, whose own table gives them another
   * meaning: on Ethereum nodes (EIP-1474), -32005 is "limit exceeded", a rate limit to wait out.
   */
  readonly transientCodes?: Iterable<number>;
  /** Larger answers are refused as malformed rather than buffered. Default 256 MiB. */
  readonly maxResponseBytes?: number;
  /** Shared with other clients: their answers being read take at most about so much together. */
  readonly answerBudget?: AnswerBudget;
  /** How idempotent calls are retried after a failure a network can cause; see `RetryPolicy`. */
  readonly retry?: RetryPolicy;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for each attempt of this call. */
  readonly timeoutMs?: number;
  /**
   * Whether sending the call twice is harmless (default true): only then is it retried. A call that
   * changes state says false, and its caller decides (e.g. asks first whether it took effect).
   */
  readonly idempotent?: boolean;
}

export interface ValidatedCallOptions<T> extends CallOptions {
  /** Checks (and may decode) the result; a mismatch is a permanent "malformed" failure. */
  readonly result?: Validator<T>;
}

export interface BatchCall<T = unknown> {
  readonly method: string;
  readonly params?: JsonRpcParams;
  readonly result?: Validator<T>;
}

export type BatchOutcome<T> = Interpreted<T>;

export type BatchOutcomes<C extends readonly BatchCall<unknown>[]> = {
  -readonly [K in keyof C]: BatchOutcome<C[K] extends BatchCall<infer T> ? T : unknown>;
};

interface Exchange extends HttpAnswer {
  /** The parsed JSON body, when it was JSON. */
  readonly json?: { readonly value: unknown };
  readonly text: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * A JSON-RPC 2.0 client over HTTP (undici's `request`, on the pool Node's fetch shares; a call costs
 * about a quarter of fetch's CPU, which matters on the prover's thread). Every failure is thrown as a
 * `JsonRpcCallError`, already classified: transient for what a retry may fix (unreachable, timeout,
 * HTTP 5xx/429, server-side JSON-RPC errors), permanent for what it cannot (not found, bad params,
 * malformed answers).
 */
export class JsonRpcClient {
  private readonly url: string;
  /** What errors name the node by (see `endpointOf`). */
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly answerBudget?: AnswerBudget;
  private readonly headers: Record<string, string>;
  private readonly permanentCodes: ReadonlySet<number>;
  private readonly retry: Required<RetryPolicy>;
  private nextId = 1;

  constructor(options: JsonRpcClientOptions) {
    const url = new URL(options.url);
    // Credentials in the URL (https://user:pass@node/) become Basic auth, never part of the request line.
    const basic = url.username || url.password ? basicAuth(url) : undefined;
    url.username = "";
    url.password = "";
    this.url = url.href;
    this.endpoint = endpointOf(url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.answerBudget = options.answerBudget;
    // Header names are case-insensitive: a caller's "content-type" replaces ours, and the URL's
    // credentials or the token the caller's "authorization", rather than each being sent twice.
    this.headers = { "content-type": "application/json", accept: "application/json" };
    for (const [name, value] of Object.entries(options.headers ?? {}))
      this.headers[name.toLowerCase()] = value;
    if (basic !== undefined) this.headers.authorization = basic;
    if (options.bearerToken !== undefined) this.headers.authorization = `Bearer ${options.bearerToken}`;
    const transient = new Set(options.transientCodes ?? []);
    this.permanentCodes = new Set(
      [...PERMANENT_RPC_CODES, ...(options.permanentCodes ?? [])].filter((code) => !transient.has(code)),
    );
    this.retry = { ...DEFAULT_CALL_RETRY, ...options.retry };
  }

  /**
   * Calls `method`. A failure a network can cause is retried (see `RetryPolicy`) when the call is
   * idempotent; each attempt has the whole `timeoutMs`, and the caller's signal stops the retries.
   */
  async call<T = unknown>(
    method: string,
    params?: JsonRpcParams,
    options: ValidatedCallOptions<T> = {},
  ): Promise<T> {
    return this.withRetries(options, () => this.callOnce(method, params, options));
  }

  private async withRetries<T>(options: CallOptions, attempt: () => Promise<T>): Promise<T> {
    const attempts = options.idempotent === false ? 1 : this.retry.attempts;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (n >= attempts || !isJsonRpcCallError(error) || !isRetryable(error)) throw error;
        await pause(pauseBeforeRetry(this.retry, n, error), options.signal).catch(() => {
          throw error;
        });
      }
    }
  }

  private async callOnce<T>(
    method: string,
    params: JsonRpcParams | undefined,
    options: ValidatedCallOptions<T>,
  ): Promise<T> {
    const id = this.nextId++;
    const request: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, method, id, ...(params && { params }) };
    const exchange = await this.post(method, request, options);
    if (exchange.json === undefined || !looksLikeResponse(exchange.json.value)) {
      throw unreadableAnswer(method, exchange, this.endpoint);
    }
    const outcome = interpretResponse(
      method,
      id,
      exchange.json.value,
      options.result,
      this.permanentCodes,
      exchange,
    );
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * Sends several calls in one HTTP request. Each call gets its own outcome, in order; a failure of
   * the exchange itself (unreachable, timeout, HTTP status, a 408, 429 or 5xx refusing the batch
   * with one JSON-RPC error) rejects the whole batch.
   */
  async batch<const C extends readonly BatchCall<unknown>[]>(
    calls: C,
    options: CallOptions = {},
  ): Promise<BatchOutcomes<C>> {
    if (calls.length === 0) throw new RangeError("a batch needs at least one call");
    return this.withRetries(options, () => this.batchOnce(calls, options));
  }

  private async batchOnce<const C extends readonly BatchCall<unknown>[]>(
    calls: C,
    options: CallOptions,
  ): Promise<BatchOutcomes<C>> {
    const ids = calls.map(() => this.nextId++);
    const requests = calls.map(
      (call, i): JsonRpcRequest => ({
        jsonrpc: JSONRPC_VERSION,
        method: call.method,
        id: ids[i]!,
        ...(call.params && { params: call.params }),
      }),
    );
    const label = `batch(${calls.map((c) => c.method).join(",")})`;
    const exchange = await this.post(label, requests, options);
    const value = exchange.json?.value;
    // A single error object answers the whole batch (e.g. the server could not parse it).
    if (looksLikeResponse(value)) {
      const error = interpretResponse(label, -1, value, undefined, this.permanentCodes, exchange);
      const failed = error.ok ? garbled(label, "a single result answered a batch", exchange.status) : error;
      // A node struggling (429, 503) failed the exchange, as it does without a body: the whole
      // batch is retried, then rejected, rather than each call failed with no retry.
      if (isStrugglingStatus(exchange.status)) throw failed.error;
      return calls.map(() => failed) as BatchOutcomes<C>;
    }
    if (!Array.isArray(value)) throw unreadableAnswer(label, exchange, this.endpoint);
    const byId = new Map<unknown, unknown>();
    for (const response of value) {
      if (looksLikeResponse(response)) byId.set(response.id, response);
    }
    return calls.map((call, i) => {
      const id = ids[i]!;
      const response = byId.get(id);
      if (response === undefined)
        return garbled(call.method, `the batch answer has no response for id ${id}`);
      return interpretResponse(call.method, id, response, call.result, this.permanentCodes, exchange);
    }) as BatchOutcomes<C>;
  }

  private async post(label: string, payload: unknown, options: CallOptions): Promise<Exchange> {
    let body: string;
    try {
      body = JSON.stringify(payload);
    } catch (error) {
      throw callError(true, "params cannot be encoded as JSON", {
        method: label,
        failure: "invalid-request",
        cause: error,
      });
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = { timeout, timeoutMs, caller: options.signal };
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const share = this.answerBudget?.open(signal);
    try {
      // Redirects are not followed: a node URL that answers one is reported with its HTTP status.
      // The call's timeout is the only one: undici's own (300 s for the headers, and between body
      // chunks) had cut a call given longer (a prune) short, said it unreachable, while it ran on.
      const response = await request(this.url, {
        method: "POST",
        headers: this.headers,
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Until the body is read, nothing else listens to it: destroyed before (an answer refused by
      // its declared length, the call's signal aborting while it waits in the budget), it emits an
      // error that, unheard, is an uncaught exception ending the process. Its reading still sees
      // every error (an async iterator has its own listener).
      response.body.on("error", ignoreUnread);
      const declared = Number(response.headers["content-length"]);
      const tooLarge = () =>
        malformed(label, `the answer exceeds ${this.maxResponseBytes} bytes`, response.statusCode).error;
      if (declared > this.maxResponseBytes) {
        // Refused before any of it is read, or waited for room in the budget.
        response.body.destroy();
        throw tooLarge();
      }
      if (share && declared > 0) await share.expect(declared);
      const bytes = await readCapped(response.body, this.maxResponseBytes, share?.take);
      if (bytes === "too-large") throw tooLarge();
      const text = bytes.toString("utf8");
      const status = response.statusCode;
      // Only a node saying it struggles asks for a pause; a 3xx's Retry-After is no such request.
      const retryAfterMs = isStrugglingStatus(status)
        ? parseRetryAfter(response.headers["retry-after"])
        : undefined;
      return { status, retryAfterMs, text, json: parseJson(text) };
    } catch (error) {
      if (isJsonRpcCallError(error)) throw error;
      throw transportFailure(label, this.endpoint, error, signals);
    } finally {
      // The answer is parsed by now, and is decoded before this thread reads anything else (it is
      // synchronous): what is left of it is the heap's, bounded by its own limit.
      share?.close();
    }
  }
}

/** See `post`: the error of a body destroyed before it was read, reported by the call instead. */
function ignoreUnread(): void {}

/**
 * An answer without a JSON-RPC response in it: the HTTP status decides. 408, 429 and 5xx are the
 * node (or a proxy) struggling, so transient; other non-2xx statuses are a wrong URL or a refused
 * request, so permanent; a 2xx that is not JSON-RPC is a body cut short or mangled on the way (the
 * usual symptom of a proxy or network hiccup), so transient too. The status is said of `endpoint`,
 * as "unreachable" is: a URL whose port was typed wrong reaches some other server.
 */
function unreadableAnswer(method: string, exchange: Exchange, endpoint: string): JsonRpcCallError {
  const { status, retryAfterMs } = exchange;
  if (isStrugglingStatus(status)) {
    return callError(false, `HTTP ${status} from ${endpoint}`, {
      method,
      failure: "http-status",
      httpStatus: status,
      retryAfterMs,
    });
  }
  if (status < 200 || status >= 300) {
    return callError(true, `HTTP ${status} from ${endpoint}`, {
      method,
      failure: "http-status",
      httpStatus: status,
    });
  }
  const what =
    exchange.json === undefined
      ? `not JSON (starts with ${JSON.stringify(exchange.text.slice(0, 40))})`
      : "not a JSON-RPC 2.0 response";
  return garbled(method, `the answer is ${what}`, status).error;
}

/**
 * A node URL as it may be shown (errors, reports, logs): scheme, host and port only. Node URLs carry
 * credentials in their user part and providers' API keys in their path or query.
 */
export function endpointOf(url: string | URL): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(an unparsable URL)";
  }
}

function basicAuth(url: URL): string {
  const credentials = `${percentDecoded(url.username)}:${percentDecoded(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString("base64")}`;
}

/** URL-encoded credentials decoded; a bare "%" (`50%off`), which URL parsing keeps, is sent as typed. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(withoutBom(text)) };
  } catch {
    return undefined;
  }
}
