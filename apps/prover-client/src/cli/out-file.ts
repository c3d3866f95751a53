import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";

/**
 * Writes `--out`'s file. A regular file is written beside itself (through a link, beside its target)
 * and renamed into place: writing it in place had, on a full disk, left a receipt cut short where
 * a whole one had been. The new file reaches the disk before the rename: renamed first, a power cut
 * could leave the name on an empty file where the old receipt had been. Anything else
 * (`/dev/stdout`, a pipe), and a file that cannot be replaced (see `cannotReplace`), is written as
 * it is.
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
    writeDurably(fresh, data);
    renameSync(fresh, into);
  } catch (error) {
    rmSync(fresh, { force: true });
    if (stats !== undefined && cannotReplace(error)) {
      writeFileSync(into, data);
      return;
    }
    // Said of the file asked for: the temporary one's name means nothing to whoever asked.
    if (error instanceof Error) error.message = error.message.replace(fresh, into);
    throw error;
  }
}

/** Writes a new file (never one already there) and flushes it to the disk. */
function writeDurably(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, "wx");
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file that can be written but not replaced, written in place as before the rename: one mounted
 * on its own (`docker run -v ./proof.bin:/out/proof.bin`), which cannot be renamed onto (EBUSY),
 * or in a directory that takes no new file (a read-only root file system, or not the user's).
 */
function cannotReplace(error: unknown): boolean {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (syscall === "rename") return code === "EBUSY";
  return syscall === "open" && (code === "EROFS" || code === "EACCES" || code === "EPERM");
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
