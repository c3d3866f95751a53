import { accessSync, constants, mkdirSync } from "node:fs";
import { InvalidConfigError } from "@paas/core";

/**
 * Makes the data directory (and those above it), or says by its setting (`datadir`, or the
 * prover server's `--datadir`) why it cannot: Node's own error for a file in the way ("EEXIST:
 * file already exists, mkdir …") named neither the setting nor what is wrong with the path.
 */
export function makeDatadir(dir: string, setting = "datadir"): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way (it, or a directory above it, is not a directory)"
        : message;
    throw new InvalidConfigError(`${setting}: ${dir} cannot be the data directory: ${why}`);
  }
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    // A directory that exists but is another user's (a host directory mounted into a container
    // that runs as `node`, one made by root before the unit ran) failed later on its first file,
    // the host key's, whose message told the operator to create that key instead.
    const uid = process.getuid?.();
    throw new InvalidConfigError(
      `${setting}: ${dir} cannot be the data directory: this process${uid === undefined ? "" : ` (uid ${uid})`} may not write in it (${(error as NodeJS.ErrnoException).code}): make it the service user's (chown), or name another`,
    );
  }
}
