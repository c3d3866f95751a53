import { mkdirSync } from "node:fs";
import { InvalidConfigError } from "@paas/core";

/**
 * Makes the data directory (and those above it), or says by the `datadir` setting why it cannot:
 * Node's own error for a file in the way ("EEXIST: file already exists, mkdir …") named neither
 * the setting nor what is wrong with the path.
 */
export function makeDatadir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way (it, or a directory above it, is not a directory)"
        : message;
    throw new InvalidConfigError(`datadir: ${dir} cannot be the data directory: ${why}`);
  }
}
