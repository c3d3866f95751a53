import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * The token methods that change state need when `rpc.auth_token` is not set: made at each start
 * and written to this file in the data directory, readable by its owner only, and deleted at the
 * stop (Bitcoin Core's cookie). Whoever may read the data directory may act on the prover (the
 * CLI reads the file itself); any other local user or process, or a page in a browser, may not.
 */
export const RPC_TOKEN_FILE = "rpc-token";

export interface RpcTokenFile {
  readonly token: string;
  readonly file: string;
  /** Deletes the file if it still holds this token (a later start may have replaced it). */
  remove(): void;
}

export function writeRpcTokenFile(datadir: string): RpcTokenFile {
  const token = randomBytes(32).toString("hex");
  const file = path.join(datadir, RPC_TOKEN_FILE);
  const fd = openSync(file, "w", 0o600);
  try {
    // The mode given to open applies only to a file it creates: an older one keeps its own.
    fchmodSync(fd, 0o600);
    writeSync(fd, token);
  } finally {
    closeSync(fd);
  }
  return {
    token,
    file,
    remove() {
      if (readRpcTokenFile(datadir) === token) rmSync(file, { force: true });
    },
  };
}

/** The token a running prover client wrote to `datadir`, if there is one. */
export function readRpcTokenFile(datadir: string): string | undefined {
  try {
    return readFileSync(path.join(datadir, RPC_TOKEN_FILE), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
