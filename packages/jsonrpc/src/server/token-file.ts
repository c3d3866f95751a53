import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * A server's bearer token for methods that change state (`auth`), when no one configured it: made
 * at each start and written to this file in the server's data directory, readable by its owner
 * only, and deleted at the stop (Bitcoin Core's cookie). Whoever may read the data directory may
 * act on the server (a CLI reads the file itself); any other local user or process, or a page in a
 * browser, may not. The file's first line is the token, its second the URL of the server that
 * takes it: a client sends the token there only, never to whatever else listens on a port typed
 * wrong. The prover client (`<datadir>/rpc-token`) and the devnet's admin namespace
 * (`<data-dir>/rpc-token`) keep theirs so.
 */
export const RPC_TOKEN_FILE = "rpc-token";

export interface RpcToken {
  readonly token: string;
  /** The server that takes it, e.g. `http://127.0.0.1:4844/`. */
  readonly url: string;
}

/** A fresh random token (64 hex digits). */
export function newRpcToken(): string {
  return randomBytes(32).toString("hex");
}

/**
 * Writes `token` for the server at `url`: returns the file, and a remover that deletes it if it
 * still holds this token (a later start may have replaced it). Written to a new file (never
 * through a link someone planted at the name) and renamed into place, so a reader never sees half
 * of it.
 */
export function writeRpcTokenFile(
  datadir: string,
  { token, url }: RpcToken,
): { readonly file: string; remove(): void } {
  const file = path.join(datadir, RPC_TOKEN_FILE);
  const fresh = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const fd = openSync(fresh, flags, 0o600);
  try {
    writeSync(fd, `${token}\n${url}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(fresh, file);
  return {
    file,
    remove() {
      if (readRpcTokenFile(datadir)?.token === token) rmSync(file, { force: true });
    },
  };
}

/** The token a running server wrote to `datadir`, and the URL it is for, if there is one. */
export function readRpcTokenFile(datadir: string): RpcToken | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(datadir, RPC_TOKEN_FILE), "utf8");
  } catch {
    return undefined;
  }
  const [token, url] = text.split("\n");
  return token && url ? { token, url } : undefined;
}
