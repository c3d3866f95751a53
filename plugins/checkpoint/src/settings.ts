import { parsePluginSettings, retiredSetting } from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import { z } from "zod";

export const DEFAULT_INTERVAL_MS = 5_000;
export const DEFAULT_WINDOW = 4;
export const DEFAULT_HORIZON = 16;
export const DEFAULT_FAILED_RETRIES = 5;
export const DEFAULT_FAILED_RETRY_DELAY_MS = 60_000;
/** Where the runner's doubling delays stop, so the most `failed_retry_delay_ms` may be: a longer one would not be kept. */
export const MAX_FAILED_RETRY_DELAY_MS = 3_600_000;
/**
 * `[plugin_settings.checkpoint]` in the prover client's config. Every field is optional.
 *
 * - `runner`: whether the checkpoint runner runs (default true).
 * - `interval_ms`: how often the runner polls the CL (default 5000).
 * - `window`: the runner submits checkpoints `next .. next + window - 1` only, where `next` is the
 *   CL's next unproven checkpoint (default 4): at most that many checkpoints are in flight.
 * - `cl_stf_max_slots`: when set, a checkpoint depends on CL STF proofs of at most this many slots
 *   each (its epoch split into consecutive ranges); unset, one CL STF proof covers the whole epoch.
 * - `horizon`: how far beyond the CL's latest checkpoint a submission may reach (default 16). One
 *   within it waits for its epoch to close; one beyond it is refused at submit time.
 * - `failed_retries`: how many times the runner resubmits a checkpoint that failed permanently (its
 *   cause may be gone: a CL that rejected it, a node that served bad data), while later checkpoints
 *   proceed (default 5; 0 leaves every failure to an operator).
 * - `failed_retry_delay_ms`: the wait before the runner's first resubmission of a failed checkpoint,
 *   doubling after each, capped at an hour (default 60000, at most 3600000).
 */
export const CheckpointSettingsSchema = z.strictObject({
  runner: z.boolean().default(true),
  interval_ms: z.int().min(10).max(86_400_000).default(DEFAULT_INTERVAL_MS),
  backend: retiredSetting(
    "the backend of a proof type is the prover client's [kinds.checkpoint] backend (default: default_backend)",
  ),
  window: z.int().min(1).max(256).default(DEFAULT_WINDOW),
  cl_stf_max_slots: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  horizon: z.int().min(0).max(1_000_000).default(DEFAULT_HORIZON),
  failed_retries: z.int().min(0).max(1_000).default(DEFAULT_FAILED_RETRIES),
  failed_retry_delay_ms: z
    .int()
    .min(10)
    .max(MAX_FAILED_RETRY_DELAY_MS)
    .default(DEFAULT_FAILED_RETRY_DELAY_MS),
});

export interface CheckpointSettings {
  readonly runner: boolean;
  readonly intervalMs: number;
  readonly window: number;
  readonly clStfMaxSlots: number | undefined;
  readonly horizon: number;
  readonly failedRetries: number;
  readonly failedRetryDelayMs: number;
}

/** Validates the plugin's settings section; throws `InvalidConfigError` naming the key. */
export function parseCheckpointSettings(raw: unknown): CheckpointSettings {
  const { runner, interval_ms, window, cl_stf_max_slots, horizon, failed_retries, failed_retry_delay_ms } =
    parsePluginSettings(CHECKPOINT.kind, CheckpointSettingsSchema, raw);
  return {
    runner,
    intervalMs: interval_ms,
    window,
    clStfMaxSlots: cl_stf_max_slots,
    horizon,
    failedRetries: failed_retries,
    failedRetryDelayMs: failed_retry_delay_ms,
  };
}
