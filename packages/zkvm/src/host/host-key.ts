import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "../bytes.js";
import { HostConfigError } from "../errors.js";

/** The key file's name inside a data directory. */
export const HOST_KEY_FILE = "native-host.key";

/** A secret key from hex (64 digits, optional 0x) or bytes; it must be a valid secp256k1 scalar. */
export function parseSecretKey(value: string | Uint8Array, source: string): Uint8Array {
  const bytes = typeof value === "string" ? hexToBytes(value.trim()) : value;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32 || !secp256k1.utils.isValidSecretKey(bytes)) {
    throw new HostConfigError(
      "HOST_KEY_INVALID",
      `${source}: a host key is 64 hex digits encoding a secp256k1 secret key (1 <= key < n)`,
    );
  }
  return bytes;
}

/**
 * Loads the host key from `file`, creating it (mode 0600, directory 0700) with a fresh random key
 * if it does not exist. A key file others can read or write is refused: whoever reads it can
 * forge receipts this host's verifiers accept.
 */
export function loadOrCreateKeyFile(file: string): Uint8Array {
  if (!exists(file)) createKeyFile(file);
  const stats = statSync(file);
  if (!stats.isFile())
    throw new HostConfigError("HOST_KEY_INVALID", `host key file ${file} is not a regular file`);
  if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    throw new HostConfigError(
      "HOST_KEY_PERMISSIONS",
      `host key file ${file} has mode ${mode}; it must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  return parseSecretKey(readFileSync(file, "utf8"), `host key file ${file}`);
}

/**
 * Writes the key to a private temporary file, then hard-links it into place: the key file never
 * exists half-written or with wider permissions, and a concurrent creator loses cleanly (EEXIST)
 * and loads the winner's key.
 */
function createKeyFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, `${bytesToHex(schnorr.utils.randomSecretKey())}\n`, { mode: 0o600, flag: "wx" });
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
