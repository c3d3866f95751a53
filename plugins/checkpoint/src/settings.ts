import { parsePluginSettings } from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import { z } from "zod";

export const DEFAULT_INTERVAL_MS = 5_000;
export const DEFAULT_WINDOW = 4;
/**
 * `[plugin_settings.checkpoint]` in the prover client's config. Every field is optional.
 *
 * - `runner`: whether the checkpoint runner runs (default true).
 * - `interval_ms`: how often the runner polls the CL (default 5000).
 * - `backend`: the backend the runner submits on, and the default of the RPC methods (default:
 *   the prover client's `default_backend`).
 * - `window`: the runner submits checkpoints `next .. next + window - 1` only, where `next` is the
 *   CL's next unproven checkpoint (default 4): at most that many checkpoints are in flight.
 * - `cl_stf_max_slots`: when set, a checkpoint depends on CL STF proofs of at most this many slots
 *   each (its epoch split into consecutive ranges); unset, one CL STF proof covers the whole epoch.
 */
export const CheckpointSettingsSchema = z.strictObject({
  runner: z.boolean().default(true),
  interval_ms: z.int().min(10).max(86_400_000).default(DEFAULT_INTERVAL_MS),
  backend: z.string().min(1).max(32).optional(),
  window: z.int().min(1).max(256).default(DEFAULT_WINDOW),
  cl_stf_max_slots: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

export interface CheckpointSettings {
  readonly runner: boolean;
  readonly intervalMs: number;
  /** Unset: the service's default backend. */
  readonly backend: string | undefined;
  readonly window: number;
  readonly clStfMaxSlots: number | undefined;
}

/** Validates the plugin's settings section; throws `InvalidConfigError` naming the key. */
export function parseCheckpointSettings(raw: unknown): CheckpointSettings {
  const { runner, interval_ms, backend, window, cl_stf_max_slots } = parsePluginSettings(
    CHECKPOINT.kind,
    CheckpointSettingsSchema,
    raw,
  );
  return { runner, intervalMs: interval_ms, backend, window, clStfMaxSlots: cl_stf_max_slots };
}
