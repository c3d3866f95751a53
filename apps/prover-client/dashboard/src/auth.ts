/**
 * The bearer token, kept for this browser tab only (sessionStorage: gone when the tab closes, sent
 * only to this server). When a call is refused, `askForToken` opens the form <TokenDialog> renders
 * and resolves once the operator saved a token (true) or closed the form (false).
 */
const KEY = "paas.rpcToken";

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

/** What the form says: whether a stored token was refused, or none was stored. */
export interface TokenRequest {
  readonly refused: boolean;
}

let request: TokenRequest | null = null;
/** Calls refused meanwhile (a bulk action and a retry at once) wait on one form. */
const waiting: ((saved: boolean) => void)[] = [];
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

export function currentTokenRequest(): TokenRequest | null {
  return request;
}

export function onTokenRequest(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function askForToken(refused: boolean): Promise<boolean> {
  request = { refused: refused || (request?.refused ?? false) };
  notify();
  return new Promise((resolve) => waiting.push(resolve));
}

/** The form's answer: a token to store and try with, or null when the operator closed it. */
export function answerTokenRequest(token: string | null): void {
  if (token !== null) sessionStorage.setItem(KEY, token);
  request = null;
  for (const resolve of waiting.splice(0)) resolve(token !== null);
  notify();
}
