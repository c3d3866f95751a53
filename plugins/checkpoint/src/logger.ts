/**
 * Where the plugin logs (the runner's outages and recoveries, checkpoints it leaves to an operator).
 * The shape is pino's `(fields, message)`, so an app can register its pino logger as is under
 * `CHECKPOINT_LOGGER`; without one, warnings go to the console and info is dropped.
 */
export interface CheckpointLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Optional container token for a `CheckpointLogger`. */
export const CHECKPOINT_LOGGER = "paas:checkpoint-logger";

export const consoleLogger: CheckpointLogger = {
  info() {},
  warn(fields, message) {
    console.warn(`[checkpoint] ${message}`, JSON.stringify(fields));
  },
};
