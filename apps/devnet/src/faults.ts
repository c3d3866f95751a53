/**
 * Fault switches for tests: what the devnet's HTTP front does to requests before they reach the
 * JSON-RPC server. A request's namespace comes from its method names: `cl_*` is the CL, `devnet_*`
 * the admin namespace (never faulted, so a test can always switch faults off again), anything else
 * the EL. A batch counts as one request, in every namespace its methods belong to.
 */

export type FaultScope = "all" | "cl" | "el";

export type Namespace = "cl" | "el" | "admin";

export interface FaultState {
  /** CL requests are answered HTTP 503 (`Retry-After: 1`, plain-text body) until resumed. */
  readonly clPaused: boolean;
  /** This many more requests in `failScope` are answered HTTP 500 (plain-text body). */
  readonly failNext: number;
  readonly failScope: FaultScope;
  /** Requests in `delayScope` wait this long before they are handled. */
  readonly delayMs: number;
  readonly delayScope: FaultScope;
}

export type FaultDecision =
  | { readonly action: "pass"; readonly delayMs: number }
  | { readonly action: "unavailable" }
  | { readonly action: "fail" };

const MAX_DELAY_MS = 10 * 60_000;

export class FaultSwitches {
  private clPaused = false;
  private failCount = 0;
  private failScope: FaultScope = "all";
  private delayMs = 0;
  private delayScope: FaultScope = "all";

  /** CL requests get HTTP 503 until `resumeCl()`; the EL keeps answering. */
  pauseCl(): void {
    this.clPaused = true;
  }

  resumeCl(): void {
    this.clPaused = false;
  }

  /** The next `count` requests in `scope` get HTTP 500 (replaces any pending count). */
  failNext(count: number, scope: FaultScope = "all"): void {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    this.failCount = count;
    this.failScope = scope;
  }

  /** Every request in `scope` waits `ms` before it is handled (0 turns the delay off). */
  setDelay(ms: number, scope: FaultScope = "all"): void {
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
      throw new RangeError(`delay must be an integer from 0 to ${MAX_DELAY_MS} ms, got ${ms}`);
    }
    this.delayMs = ms;
    this.delayScope = scope;
  }

  /** Every switch off. */
  clear(): void {
    this.clPaused = false;
    this.failCount = 0;
    this.failScope = "all";
    this.delayMs = 0;
    this.delayScope = "all";
  }

  get state(): FaultState {
    return {
      clPaused: this.clPaused,
      failNext: this.failCount,
      failScope: this.failScope,
      delayMs: this.delayMs,
      delayScope: this.delayScope,
    };
  }

  /** What to do with a request whose methods fall in `namespaces`. Counts a failure as used. */
  decide(namespaces: ReadonlySet<Namespace>): FaultDecision {
    const inScope = (scope: FaultScope) =>
      scope === "all" ? namespaces.has("cl") || namespaces.has("el") : namespaces.has(scope);
    if (this.clPaused && namespaces.has("cl")) return { action: "unavailable" };
    if (this.failCount > 0 && inScope(this.failScope)) {
      this.failCount--;
      return { action: "fail" };
    }
    return { action: "pass", delayMs: this.delayMs > 0 && inScope(this.delayScope) ? this.delayMs : 0 };
  }
}

/** The namespaces of a JSON-RPC body's methods; a body that is not JSON-RPC counts as EL. */
export function namespacesOf(body: string): Set<Namespace> {
  const namespaces = new Set<Namespace>();
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return new Set(["el"]);
  }
  for (const item of Array.isArray(payload) ? payload : [payload]) {
    const method =
      typeof item === "object" && item !== null && "method" in item && typeof item.method === "string"
        ? item.method
        : "";
    namespaces.add(method.startsWith("cl_") ? "cl" : method.startsWith("devnet_") ? "admin" : "el");
  }
  if (namespaces.size === 0) namespaces.add("el");
  return namespaces;
}
