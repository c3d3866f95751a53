import { randomBytes } from "node:crypto";
import { realpathSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";

/**
 * Writes `--out`'s file. A regular file is written beside itself (through a link, beside its target)
 * and renamed into place: writing it in place had, on a full disk, left a receipt cut short where
 * a whole one had been. Anything else (`/dev/stdout`, a pipe) is written as it is.
 */
export function writeOutFile(file: string, data: string | Uint8Array): void {
  const stats = existing(file);
  if (stats !== undefined && !stats.isFile()) {
    writeFileSync(file, data);
    return;
  }
  const into = stats === undefined ? file : realpathSync(file);
  const fresh = `${into}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(fresh, data, { flag: "wx" });
    renameSync(fresh, into);
  } catch (error) {
    rmSync(fresh, { force: true });
    // Said of the file asked for: the temporary one's name means nothing to whoever asked.
    if (error instanceof Error) error.message = error.message.replace(fresh, into);
    throw error;
  }
}

/** What `file` is, links followed; undefined when there is nothing there yet. */
function existing(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
