import { parsePluginSettings, retiredSetting } from "@paas/core";
import { CL_STF } from "@paas/rollup";
import { z } from "zod";

export const DEFAULT_HORIZON = 4;

/**
 * `[plugin_settings.cl-stf]`. Both optional:
 * - `slots_per_epoch`: the rollup's slots per epoch. When set, a context whose range crosses an
 *   epoch boundary is refused at submit time (`parseContext` is synchronous and cannot ask the
 *   CL); dependency resolution still checks it against the CL's params and fails the task
 *   permanently if the two disagree. When unset, the crossing is refused at dependency resolution.
 * - `horizon`: how many epochs past the CL's last closed one a submitted range may end (default
 *   4). A range within it that the CL has not produced yet waits; one beyond it is refused.
 */
export const ClStfSettingsSchema = z.strictObject({
  slots_per_epoch: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  horizon: z.int().min(0).max(1_000_000).default(DEFAULT_HORIZON),
  defaultBackend: retiredSetting(
    "the backend of a proof type is the prover client's [kinds.cl-stf] backend (default: default_backend)",
  ),
});

export interface ClStfSettings {
  readonly slotsPerEpoch?: number;
  readonly horizon: number;
}

/** Validates the plugin's settings section; throws core's `InvalidConfigError` naming the key. */
export function parseClStfSettings(raw: unknown): ClStfSettings {
  const { slots_per_epoch, horizon } = parsePluginSettings(CL_STF.kind, ClStfSettingsSchema, raw);
  return { ...(slots_per_epoch !== undefined && { slotsPerEpoch: slots_per_epoch }), horizon };
}
