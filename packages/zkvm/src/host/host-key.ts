import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { parseHex, toHexDigits } from "@paas/core/contracts";
import { HostConfigError } from "../errors.js";

/** The key file's name inside a data directory. */
export const HOST_KEY_FILE = "native-host.key";

/**
 * A secret key from hex (64 digits, optional 0x) or bytes; it must be a valid secp256k1 scalar.
 * `source` says where it came from and `what` what it is, for the error message.
 */
export function parseSecretKey(value: string | Uint8Array, source: string, what = "host key"): Uint8Array {
  const bytes = typeof value === "string" ? parseHex(value.trim()) : value;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32 || !secp256k1.utils.isValidSecretKey(bytes)) {
    throw new HostConfigError(
      "HOST_KEY_INVALID",
      `${source}: a ${what} is 64 hex digits encoding a secp256k1 secret key (1 <= key < n)`,
    );
  }
  return bytes;
}

export interface KeyFileOptions {
  /**
   * The key a missing file is created with (called only then), e.g. one derived from a seed.
   * Default: a fresh random key.
   */
  readonly createKey?: () => Uint8Array;
  /** What the key is, in error messages ("sequencer key"). Default "host key". */
  readonly label?: string;
}

/**
 * Loads a secret key from `file`, creating it (mode 0600, directory 0700) if it does not exist, with
 * a fresh random key or `options.createKey()`. A key file others can read or write is refused:
 * whoever reads a host key can forge receipts this host's verifiers accept.
 */
export function loadOrCreateKeyFile(file: string, options: KeyFileOptions = {}): Uint8Array {
  const label = options.label ?? "host key";
  if (!exists(file)) {
    const key = options.createKey?.() ?? schnorr.utils.randomSecretKey();
    try {
      createKeyFile(file, parseSecretKey(key, `the new ${label} for ${file}`, label));
    } catch (error) {
      if (error instanceof HostConfigError) throw error;
      // A deployment that keeps the file where the service may not write (/etc under a systemd
      // unit's ProtectSystem) got only the errno on a temporary file's name, not what was missing.
      throw new HostConfigError(
        "HOST_KEY_UNWRITABLE",
        `${label} file ${file} does not exist and cannot be created there (${(error as Error).message}): create it as the service's user, readable by it alone ((umask 077; openssl rand -hex 32 > ${file})), or name a path it may write`,
      );
    }
  }
  const stats = statSync(file);
  if (!stats.isFile())
    throw new HostConfigError("HOST_KEY_INVALID", `${label} file ${file} is not a regular file`);
  if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    throw new HostConfigError(
      "HOST_KEY_PERMISSIONS",
      `${label} file ${file} has mode ${mode}; it must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  return parseSecretKey(readFileSync(file, "utf8"), `${label} file ${file}`, label);
}

/**
 * Writes the key to a private temporary file, then hard-links it into place: the key file never
 * exists half-written or with wider permissions, and a concurrent creator loses cleanly (EEXIST)
 * and loads the winner's key.
 */
function createKeyFile(file: string, key: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, `${toHexDigits(key)}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
