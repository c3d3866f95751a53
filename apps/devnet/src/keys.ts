import path from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { deriveSecretKey, type Seed } from "@paas/devchain";
import { loadOrCreateKeyFile } from "@paas/zkvm";

/** The sequencer key file's name inside the data directory. */
export const SEQUENCER_KEY_FILE = "sequencer.key";

/**
 * The sequencer's secret key from `<dataDir>/sequencer.key`, kept as @paas/zkvm keeps a host key
 * (`loadOrCreateKeyFile`): on first start the file is created from the seed (so a fresh data
 * directory gives the seed's chain), mode 0600 in a 0700 directory, written to a private temporary
 * file and hard-linked into place so it never exists half-written. An existing file wins over the
 * seed. A file others can read or write, or that holds no valid secret key, is refused.
 */
export function loadOrCreateSequencerKey(dataDir: string, seed: Seed): Uint8Array {
  return loadOrCreateKeyFile(path.join(dataDir, SEQUENCER_KEY_FILE), {
    createKey: () => deriveSecretKey(seed, "sequencer"),
    label: "sequencer key",
  });
}

/**
 * The x-only public key of a native prover host's key file (@paas/zkvm's format: 64 hex digits,
 * mode 0600). The file is created, as the prover host would create it, when it does not exist yet,
 * so a devnet started first and a prover started later agree on the key.
 */
export function proverPublicKeyFromKeyFile(file: string): Uint8Array {
  return schnorr.getPublicKey(loadOrCreateKeyFile(file));
}
