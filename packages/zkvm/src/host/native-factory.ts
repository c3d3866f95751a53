import path from "node:path";
import { toHexDigits } from "@paas/core/contracts";
import { schnorrPublicKey } from "../bip340.js";
import { HostConfigError } from "../errors.js";
import { HOST_KEY_FILE, loadOrCreateKeyFile, parseSecretKey } from "./host-key.js";
import { NativeHost } from "./native-host.js";
import type { BackendOptions, HostFactory, HostFactoryContext } from "./resolver.js";

const NATIVE_OPTIONS = [
  "workers",
  "privateKey",
  "keyFile",
  "idleTimeoutMs",
  "idleScheduling",
  "maxGuestHeapMb",
];

interface NativeOptions {
  readonly workers?: number;
  readonly idleTimeoutMs?: number;
  readonly idleScheduling?: boolean;
  readonly maxGuestHeapMb?: number;
  /** Exactly one of the two. */
  readonly privateKey?: string;
  readonly keyFile?: string;
}

/**
 * Native backends, from options `{ workers?, privateKey?, keyFile?, idleTimeoutMs?, idleScheduling?, maxGuestHeapMb? }`. Without a
 * key option the key file is `<dataDir>/native-host.key` (created 0600 on first start); a relative
 * `keyFile` is inside `dataDir`.
 */
export const nativeHostFactory: HostFactory = {
  publicKey(options, context) {
    return toHexDigits(schnorrPublicKey(secretKey(nativeOptions(options, context), context)));
  },
  create(options, context) {
    const parsed = nativeOptions(options, context);
    try {
      return new NativeHost({
        backend: context.backend,
        workers: parsed.workers,
        idleTimeoutMs: parsed.idleTimeoutMs,
        idleScheduling: parsed.idleScheduling,
        maxGuestHeapMb: parsed.maxGuestHeapMb,
        privateKey: secretKey(parsed, context),
        trustedPublicKeys: context.trustedPublicKeys,
      });
    } catch (error) {
      if (error instanceof HostConfigError) error.message = `${context.where}: ${error.message}`;
      throw error;
    }
  },
};

function nativeOptions(options: BackendOptions, { where }: Pick<HostFactoryContext, "where">): NativeOptions {
  const invalid = (message: string) => new HostConfigError("HOST_INVALID_CONFIG", `${where}: ${message}`);
  const unknown = Object.keys(options).filter((key) => !NATIVE_OPTIONS.includes(key));
  if (unknown.length > 0) {
    throw invalid(`unknown option(s) ${unknown.join(", ")} (allowed: ${NATIVE_OPTIONS.join(", ")})`);
  }
  const { workers, privateKey, keyFile, idleTimeoutMs, idleScheduling, maxGuestHeapMb } = options;
  if (workers !== undefined && typeof workers !== "number") throw invalid("workers must be a number");
  // Its range is checked by NativeHost, whose HostConfigError `create` prefixes with `where`.
  if (maxGuestHeapMb !== undefined && typeof maxGuestHeapMb !== "number") {
    throw invalid("maxGuestHeapMb must be a number of MiB");
  }
  if (idleTimeoutMs !== undefined && (typeof idleTimeoutMs !== "number" || idleTimeoutMs < 0)) {
    throw invalid("idleTimeoutMs must be a number of milliseconds");
  }
  if (idleScheduling !== undefined && typeof idleScheduling !== "boolean") {
    throw invalid("idleScheduling must be true or false");
  }
  if (privateKey !== undefined && typeof privateKey !== "string")
    throw invalid("privateKey must be a hex string");
  if (keyFile !== undefined && typeof keyFile !== "string") throw invalid("keyFile must be a path");
  if (privateKey !== undefined && keyFile !== undefined)
    throw invalid("give privateKey or keyFile, not both");
  return { workers, idleTimeoutMs, idleScheduling, maxGuestHeapMb, privateKey, keyFile } as NativeOptions;
}

function secretKey(
  options: NativeOptions,
  { where, dataDir }: Pick<HostFactoryContext, "where" | "dataDir">,
): Uint8Array {
  try {
    if (options.privateKey !== undefined) return parseSecretKey(options.privateKey, "native host privateKey");
    if (dataDir === undefined && (options.keyFile === undefined || !path.isAbsolute(options.keyFile))) {
      throw new HostConfigError(
        "HOST_INVALID_CONFIG",
        "no host key: set privateKey or an absolute keyFile, or give the resolver a dataDir",
      );
    }
    return loadOrCreateKeyFile(path.resolve(dataDir ?? "", options.keyFile ?? HOST_KEY_FILE));
  } catch (error) {
    if (error instanceof HostConfigError) error.message = `${where}: ${error.message}`;
    throw error;
  }
}
