/**
 * Rules the config schema and the command-line flags share, in a module light enough for command
 * definitions (no zod): a flag and its config key accept the same values.
 */

/** pino's levels, most severe first. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

/**
 * A Host name answered on loopback besides loopback names (a local reverse proxy's): without a
 * port, since the Host header's port is not compared.
 */
export const HOST_NAME_WITHOUT_PORT = /^[^:[\]/\s]+$/;
export const HOST_NAME_RULE = "a host name without a port (the Host header's port is not compared)";
