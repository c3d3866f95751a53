/**
 * The logger plugins get from the container (`@inject(LOGGER)`): pino's calling convention, so the
 * prover client registers its pino logger as is. The builder registers a console logger when the
 * app registers none, and hands each plugin `child({ plugin: kind })` when the logger has `child`,
 * so every line a plugin writes says which plugin wrote it.
 */
export interface PluginLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child?(bindings: Record<string, unknown>): PluginLogger;
}

export const LOGGER = "paas:logger";

/** Writes warnings and errors to stderr; the default when an app registers no logger. */
export const consoleLogger: PluginLogger = {
  debug() {},
  info() {},
  warn: (fields, message) => console.warn(`[paas] ${message}`, fields),
  error: (fields, message) => console.error(`[paas] ${message}`, fields),
};
