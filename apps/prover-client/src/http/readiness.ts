import { errorMessage } from "@paas/core";

/** One thing the prover client needs to do its work: the task database, a node. */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when it answers; throws saying why not. */
  check(signal: AbortSignal): Promise<unknown>;
}

export interface Readiness {
  readonly ready: boolean;
  /** `<check>: <why>` for each failing check. */
  readonly reasons: readonly string[];
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly error?: string }>>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, so a probe answers within that time even
 * when a node hangs. Ready only when all answer.
 */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          check(signal),
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => reject(new Error(`no answer within ${timeoutMs} ms`)), {
              once: true,
            });
          }),
        ]);
        return [name, { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: errorMessage(error) }] as const;
      }
    }),
  );
  const reasons = results.flatMap(([name, r]) => (r.ok ? [] : [`${name}: ${r.error}`]));
  return { ready: reasons.length === 0, reasons, checks: Object.fromEntries(results) };
}

/**
 * `checkReadiness` run once at a time: a probe arriving while the checks run waits for their
 * answer rather than starting its own. Each `/ready`, which needs no token, had queried the
 * database and every node and remote prover: 2,000 of them at once asked the nodes 4,000 times
 * and timed their own checks out, so up to a quarter answered "not ready" for an instance that was.
 */
export function sharedReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): () => Promise<Readiness> {
  let running: Promise<Readiness> | undefined;
  return () => {
    running ??= checkReadiness(checks, timeoutMs).finally(() => {
      running = undefined;
    });
    return running;
  };
}
