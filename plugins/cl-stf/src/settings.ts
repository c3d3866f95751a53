import { InvalidConfigError } from "@paas/core";
import { z } from "zod";

/**
 * `[plugin_settings.cl-stf]`. Both optional:
 * - `slotsPerEpoch`: the rollup's slots per epoch. When set, a context whose range crosses an
 *   epoch boundary is refused at submit time (`parseContext` is synchronous and cannot ask the
 *   CL); dependency resolution still checks it against the CL's params and fails the task
 *   permanently if the two disagree. When unset, the crossing is refused at dependency resolution.
 * - `defaultBackend`: the backend `paas_proveClBlocks` submits to when the call names none
 *   (default: the prover client's `default_backend`).
 * - `horizon`: how many epochs past the CL's last closed one a submitted range may end (default
 *   4). A range within it that the CL has not produced yet waits; one beyond it is refused.
 */
export const ClStfSettingsSchema = z.strictObject({
  slotsPerEpoch: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  horizon: z.int().min(0).max(1_000_000).default(4),
  defaultBackend: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a backend name: lower-case letters, digits and '-', at most 32")
    .optional(),
});
export type ClStfSettings = z.output<typeof ClStfSettingsSchema>;

/** Validates the plugin's settings section; throws core's `InvalidConfigError` naming the key. */
export function parseClStfSettings(raw: unknown): ClStfSettings {
  const parsed = ClStfSettingsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (issue) => `plugin_settings.cl-stf${issue.path.map((p) => `.${String(p)}`).join("")}: ${issue.message}`,
  );
  throw new InvalidConfigError(issues.join("; "));
}
