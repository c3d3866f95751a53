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
