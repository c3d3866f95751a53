/**
 * Whether a listen address is reachable from this machine only. The one rule for every server we
 * run: beyond loopback, a bearer token is required (or an explicit opt-out).
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Which `Host` headers a server listening on `listenHost` answers. On loopback: loopback names and
 * the names in `allowed` only. A web page can point a name of its own at 127.0.0.1 (DNS rebinding)
 * and then call a loopback server as if from its own origin, so no token-less loopback server is
 * safe from the browser without this check; the page's requests still carry its name in `Host`.
 * Beyond loopback every name is answered: there the bearer token guards what changes state.
 * A request without `Host` (HTTP/1.0 from a script) is answered; browsers always send one.
 */
export function hostCheck(
  listenHost: string,
  allowed: readonly string[] = [],
): (hostHeader: string | undefined) => boolean {
  if (!isLoopback(listenHost)) return () => true;
  const names = new Set(allowed.map((name) => name.toLowerCase()));
  return (hostHeader) => {
    if (hostHeader === undefined || hostHeader === "") return true;
    const name = hostName(hostHeader.toLowerCase());
    return name !== undefined && (isLoopback(name) || names.has(name));
  };
}

/** What a server on loopback answers a request `hostCheck` refused; `allowedSetting` names where to add a name. */
export function foreignHostMessage(hostHeader: string | undefined, allowedSetting: string): string {
  return `host "${String(hostHeader).slice(0, 100)}" is not served here: this server listens on loopback and answers loopback names and ${allowedSetting} only`;
}

/**
 * The name in a `Host` header, without its port: `[::1]:4844` → `::1`, `localhost:4844` →
 * `localhost`. Undefined when anything but a port follows the name (`127.0.0.1:80@evil.example`):
 * no browser sends that, and a check reading only the front of it would take it for loopback.
 */
function hostName(header: string): string | undefined {
  const bracketed = header.startsWith("[");
  const end = bracketed ? header.indexOf("]") : header.indexOf(":");
  if (end === -1) return bracketed ? undefined : header;
  const rest = header.slice(bracketed ? end + 1 : end);
  if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined;
  return header.slice(bracketed ? 1 : 0, end);
}
