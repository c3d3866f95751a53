import { availableParallelism } from "node:os";
import { hostCheck, InvalidConfigError, isLoopback, MAX_TIMER_MS, type PluginLogger } from "@paas/core";
import { MAX_WORKERS } from "@paas/zkvm";
import type { ProgramSource } from "./programs.js";

export interface ProverServerOptions {
  /** Listen address. Default 127.0.0.1; anything beyond loopback needs a token. */
  readonly host?: string;
  /** Default 0: a free port, see `ProverServer.url`. */
  readonly port?: number;
  /** Holds the job table and the key file; made if missing. */
  readonly datadir: string;
  /** When set, every route but `GET /openapi.json` needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Proofs run at once (native host worker threads). Default: the machine's available parallelism. */
  readonly workers?: number;
  /** Linux: proofs under SCHED_IDLE (see `NativeHostOptions.idleScheduling`). Default true. */
  readonly idleScheduling?: boolean;
  /**
   * What the server proves: programs (from `defineProgram`) and plugin package names whose
   * `@ProofPlugin` classes carry programs. Default `DEFAULT_PLUGIN_PACKAGES`.
   */
  readonly programs?: readonly ProgramSource[];
  /** The largest guest input a job may carry, in bytes (before base64). Default 64 MiB. */
  readonly maxInputBytes?: number;
  /**
   * The inputs of queued jobs the job table may hold together, in bytes: a new job beyond it is
   * answered 503 until work drains. At least `maxInputBytes`. Default 4 GiB.
   */
  readonly maxQueuedInputBytes?: number;
  /**
   * How long a finished job (succeeded, failed or cancelled) and its receipt are kept, in ms;
   * older ones are deleted. Default 7 days. A client asking for a deleted job is told it is
   * unknown, and its remote backend starts a new one.
   */
  readonly finishedJobRetentionMs?: number;
  /** pino's calling convention; default silent. */
  readonly logger?: PluginLogger;
  /**
   * Other keys (64 hex digits) whose receipts guests accept as inner proofs, besides the server's
   * own: the keys of the backends that prove the dependencies of what this server proves (a
   * client proving CL STF locally and checkpoints here passes its native key).
   */
  readonly trustedPublicKeys?: readonly string[];
  /**
   * Host names answered besides loopback names while listening on loopback (a local proxy that
   * forwards its own Host); other names are refused, against DNS rebinding (core's `hostCheck`).
   */
  readonly allowedHosts?: readonly string[];
  /**
   * How long a client may take to read a whole answer before its connection is cut, in ms.
   * Default 120 s: time for a 64 MiB receipt at about 0.5 MiB/s.
   */
  readonly answerTimeoutMs?: number;
}

export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_QUEUED_INPUT_BYTES = 4 * 1024 * 1024 * 1024;
export const DEFAULT_FINISHED_JOB_RETENTION_MS = 7 * 24 * 3_600_000;
export const DEFAULT_ANSWER_TIMEOUT_MS = 120_000;
/** Tokens shorter than this are refused: they can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly datadir: string;
  readonly token: string | undefined;
  readonly workers: number;
  readonly idleScheduling: boolean;
  readonly maxInputBytes: number;
  readonly maxQueuedInputBytes: number;
  readonly finishedJobRetentionMs: number;
  readonly answerTimeoutMs: number;
  readonly logger: PluginLogger;
  readonly trustedPublicKeys: readonly string[];
  readonly acceptsHost: (hostHeader: string | undefined) => boolean;
}

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Defaults applied and every option checked, with messages naming the option. */
export function resolveOptions(options: ProverServerOptions): ResolvedOptions {
  const invalid = (message: string) => new InvalidConfigError(`prover server: ${message}`);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const workers = options.workers ?? availableParallelism();
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (typeof options.datadir !== "string" || options.datadir.length === 0) {
    throw invalid("datadir is required");
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalid(`port must be an integer from 0 to 65535, got ${port}`);
  }
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw invalid(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
  }
  if (!Number.isInteger(maxInputBytes) || maxInputBytes < 1) {
    throw invalid(`maxInputBytes must be a positive integer, got ${maxInputBytes}`);
  }
  const maxQueuedInputBytes =
    options.maxQueuedInputBytes ?? Math.max(DEFAULT_MAX_QUEUED_INPUT_BYTES, maxInputBytes);
  if (!Number.isSafeInteger(maxQueuedInputBytes) || maxQueuedInputBytes < maxInputBytes) {
    throw invalid(
      `maxQueuedInputBytes must be an integer of at least maxInputBytes (${maxInputBytes}), got ${maxQueuedInputBytes}`,
    );
  }
  const finishedJobRetentionMs = options.finishedJobRetentionMs ?? DEFAULT_FINISHED_JOB_RETENTION_MS;
  if (!Number.isSafeInteger(finishedJobRetentionMs) || finishedJobRetentionMs < 1) {
    throw invalid(`finishedJobRetentionMs must be a positive integer (ms), got ${finishedJobRetentionMs}`);
  }
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  if (!Number.isSafeInteger(answerTimeoutMs) || answerTimeoutMs < 1 || answerTimeoutMs > MAX_TIMER_MS) {
    throw invalid(
      `answerTimeoutMs must be an integer from 1 to ${MAX_TIMER_MS} (ms), got ${answerTimeoutMs}`,
    );
  }
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
    throw invalid(`the token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    throw invalid("the token must be printable ASCII without spaces (it travels in an HTTP header)");
  }
  for (const key of options.trustedPublicKeys ?? []) {
    if (!/^[0-9a-f]{64}$/.test(key)) throw invalid(`trusted key "${key}" is not 64 lower-case hex digits`);
  }
  if (options.token === undefined && !isLoopback(host)) {
    throw invalid(`${host} is reachable beyond this machine: set a token, or listen on loopback (127.0.0.1)`);
  }
  return {
    host,
    port,
    datadir: options.datadir,
    token: options.token,
    workers,
    idleScheduling: options.idleScheduling ?? true,
    maxInputBytes,
    maxQueuedInputBytes,
    finishedJobRetentionMs,
    answerTimeoutMs,
    logger: options.logger ?? silent,
    trustedPublicKeys: options.trustedPublicKeys ?? [],
    acceptsHost: hostCheck(host, options.allowedHosts),
  };
}
