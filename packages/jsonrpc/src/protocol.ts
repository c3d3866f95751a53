/** The JSON-RPC 2.0 wire format (https://www.jsonrpc.org/specification), as plain types. */

export const JSONRPC_VERSION = "2.0";

/** A request id. `null` is allowed by the spec but discouraged; its absence marks a notification. */
export type JsonRpcId = string | number | null;

/** Positional (array) or named (object) parameters. */
export type JsonRpcParams = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface JsonRpcRequest {
  readonly jsonrpc: typeof JSONRPC_VERSION;
  readonly method: string;
  readonly params?: JsonRpcParams;
  /** Absent for a notification, which gets no response. */
  readonly id?: JsonRpcId;
}

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcSuccess {
  readonly jsonrpc: typeof JSONRPC_VERSION;
  readonly id: JsonRpcId;
  readonly result: unknown;
}

export interface JsonRpcFailure {
  readonly jsonrpc: typeof JSONRPC_VERSION;
  readonly id: JsonRpcId;
  readonly error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

export function isJsonRpcParams(value: unknown): value is JsonRpcParams {
  return typeof value === "object" && value !== null;
}

export function isErrorObject(value: unknown): value is JsonRpcErrorObject {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return Number.isInteger(code) && typeof message === "string";
}

export function successResponse(id: JsonRpcId, result: unknown): JsonRpcSuccess {
  return { jsonrpc: JSONRPC_VERSION, id, result };
}

export function failureResponse(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: JSONRPC_VERSION, id, error };
}

/**
 * A JSON text without its leading byte order mark. RFC 8259 forbids sending one but lets a parser
 * ignore it, and `JSON.parse` does not: an answer or request from a tool that writes UTF-8 with a
 * BOM (Windows, some proxies) would otherwise be refused as not JSON.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
