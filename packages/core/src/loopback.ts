/**
 * Whether a listen address is reachable from this machine only. The one rule for every server we
 * run: beyond loopback, a bearer token is required (or an explicit opt-out).
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
