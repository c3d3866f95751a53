import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { deriveSecretKey, type Seed } from "@paas/devchain";
import { loadOrCreateKeyFile } from "@paas/zkvm";

/** The sequencer key file's name inside the data directory. */
export const SEQUENCER_KEY_FILE = "sequencer.key";

/**
 * The sequencer's secret key from `<dataDir>/sequencer.key`. On first start the file is created
 * from the seed (so a fresh data directory gives the seed's chain), mode 0600 in a 0700 directory,
 * written to a private temporary file and hard-linked into place so it never exists half-written.
 * An existing file wins over the seed. A file others can read or write is refused.
 */
export function loadOrCreateSequencerKey(dataDir: string, seed: Seed): Uint8Array {
  const file = path.join(dataDir, SEQUENCER_KEY_FILE);
  if (!exists(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    const key = Buffer.from(deriveSecretKey(seed, "sequencer")).toString("hex");
    writeFileSync(temporary, `${key}\n`, { mode: 0o600, flag: "wx" });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  const stats = statSync(file);
  if (!stats.isFile()) throw new Error(`sequencer key file ${file} is not a regular file`);
  if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    throw new Error(
      `sequencer key file ${file} has mode ${mode}; it must be readable by its owner only (chmod 600 ${file})`,
    );
  }
  const text = readFileSync(file, "utf8").trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    throw new Error(`sequencer key file ${file} does not hold 64 hex digits`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}

/**
 * The x-only public key of a native prover host's key file (@paas/zkvm's format: 64 hex digits,
 * mode 0600). The file is created, as the prover host would create it, when it does not exist yet,
 * so a devnet started first and a prover started later agree on the key.
 */
export function proverPublicKeyFromKeyFile(file: string): Uint8Array {
  return schnorr.getPublicKey(loadOrCreateKeyFile(file));
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
