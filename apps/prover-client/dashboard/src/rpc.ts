/**
 * The dashboard's JSON-RPC client: the same `POST /` the CLI uses, params by position. Methods
 * that change state may be refused as unauthorized when the client has a token: `mutate` then
 * asks the operator for it (see auth.ts) and tries again.
 */
import { askForToken, storedToken } from "./auth.js";

/** The server's code for a state-changing call without a valid bearer token (@paas/jsonrpc). */
export const UNAUTHORIZED = -32001;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Not a server's code: no answer reached the page (the prover client stopped, or the network
 * between is down). The browser's own words for it ("Failed to fetch") do not say which end failed.
 */
export const NO_ANSWER = -32098;

let nextId = 1;

function post(body: string, headers: Record<string, string>): Promise<Response> {
  // fetch rejects only when no response came at all (a TypeError whose text adds nothing).
  return fetch("/", { method: "POST", headers, body }).catch(() => {
    throw new RpcError(
      NO_ANSWER,
      "the prover client did not answer: stopped, or unreachable from this browser",
    );
  });
}

export async function call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await post(JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }), headers);
  let body: { result?: T; error?: { code: number; message: string } };
  try {
    body = await response.json();
  } catch {
    throw new RpcError(response.status === 401 ? UNAUTHORIZED : -32603, `HTTP ${response.status}`);
  }
  if (body.error) throw new RpcError(body.error.code, body.error.message);
  return body.result as T;
}

/**
 * A state-changing call: when refused as unauthorized, the token form opens (saying whether the
 * stored token was refused) and the call is made again with what the operator typed. Closing the
 * form gives up with the server's refusal.
 */
export async function mutate<T>(method: string, params: readonly unknown[] = []): Promise<T> {
  for (;;) {
    try {
      return await call<T>(method, params);
    } catch (error) {
      if (!(error instanceof RpcError && error.code === UNAUTHORIZED)) throw error;
      if (!(await askForToken(storedToken() !== null))) throw error;
    }
  }
}
