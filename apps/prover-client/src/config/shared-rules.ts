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

/**
 * A bearer token as it travels in `Authorization: Bearer <token>`: printable ASCII without spaces,
 * as `paas prover-server` requires of its own. The server takes the one word after "Bearer", and a
 * browser cannot send a character beyond Latin-1 in a header, so with any other token every action
 * would be refused as "the bearer token does not match", whoever sent it.
 */
export const BEARER_TOKEN = /^[\x21-\x7e]+$/;
export const BEARER_TOKEN_RULE = "must be printable ASCII without spaces (it travels in an HTTP header)";
