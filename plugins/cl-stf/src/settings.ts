import { parsePluginSettings } from "@paas/core";
import { CL_STF } from "@paas/rollup";
import { z } from "zod";

/**
 * `[plugin_settings.cl-stf]`. Both optional:
 * - `slots_per_epoch`: the rollup's slots per epoch. When set, a context whose range crosses an
 *   epoch boundary is refused at submit time (`parseContext` is synchronous and cannot ask the
 *   CL); dependency resolution still checks it against the CL's params and fails the task
 *   permanently if the two disagree. When unset, the crossing is refused at dependency resolution.
 * - `defaultBackend`: the backend `paas_proveClBlocks` submits to when the call names none
 *   (default: the prover client's `default_backend`).
 */
export const ClStfSettingsSchema = z.strictObject({
  slots_per_epoch: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  defaultBackend: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a backend name: lower-case letters, digits and '-', at most 32")
    .optional(),
});

export interface ClStfSettings {
  readonly slotsPerEpoch?: number;
  readonly defaultBackend?: string;
}

/** Validates the plugin's settings section; throws core's `InvalidConfigError` naming the key. */
export function parseClStfSettings(raw: unknown): ClStfSettings {
  const { slots_per_epoch, defaultBackend } = parsePluginSettings(CL_STF.kind, ClStfSettingsSchema, raw);
  return {
    ...(slots_per_epoch !== undefined && { slotsPerEpoch: slots_per_epoch }),
    ...(defaultBackend !== undefined && { defaultBackend }),
  };
}
