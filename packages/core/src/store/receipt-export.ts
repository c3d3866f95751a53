import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { InvalidParamsError, TransientError } from "../errors.js";
import type { ReceiptsTable } from "./schema.js";

/** A receipt row with its task's key and canonical context, as a prune reads it. */
export type ExportedReceipt = ReceiptsTable & { task_id: string; context: string };

/**
 * `<dir>/receipts.jsonl`, which a prune appends the receipts of a page to before it deletes them:
 * one JSON line per receipt (`task`, `context`, `receipt` in `paas_getProof`'s form).
 */
export class ReceiptExport {
  private constructor(
    private readonly dir: string,
    private readonly fd: number,
  ) {}

  /**
   * Opens the file for appending, creating `dir` (not its parents) if need be; a directory that
   * cannot take it is the caller's mistake, said plainly. Not a recursive mkdir: on some paths
   * (under /proc) Node's never returns.
   */
  static open(dir: string): ReceiptExport {
    const refuse = (why: string, cause?: unknown) =>
      new InvalidParamsError(`cannot export receipts to ${dir}: ${why}`, { cause });
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST")
        throw refuse(`it cannot be created (${code}); its parent directory must exist`, error);
    }
    try {
      if (!statSync(dir).isDirectory()) throw refuse("it is not a directory");
      const file = path.join(dir, "receipts.jsonl");
      cutUnfinishedLine(file);
      return new ReceiptExport(dir, openSync(file, "a", 0o600));
    } catch (error) {
      if (error instanceof InvalidParamsError) throw error;
      throw refuse(
        `receipts.jsonl cannot be written (${(error as NodeJS.ErrnoException).code ?? error})`,
        error,
      );
    }
  }

  /**
   * Appends the receipts and flushes them to the disk, so they are kept before the caller commits
   * their deletion. One line is written at a time: a page's lines joined into one string passed
   * V8's longest string (~512 MiB) with receipts of half a megabyte, and no such page could be
   * exported. A write that fails (a full disk) takes back what it appended, if nothing else
   * appended since: a line cut short had run into the next prune's first line, and that receipt
   * could no longer be read.
   */
  append(receipts: readonly ExportedReceipt[]): number {
    if (receipts.length === 0) return 0;
    const before = fstatSync(this.fd);
    let written = 0;
    try {
      for (const receipt of receipts) {
        const line = Buffer.from(`${JSON.stringify(exportLine(receipt))}\n`);
        for (let at = 0; at < line.length; ) {
          const n = writeSync(this.fd, line, at);
          at += n;
          written += n;
        }
      }
      flush(this.fd);
    } catch (error) {
      // Only a regular file can be cut (the export may be a device or a pipe the operator chose).
      if (before.isFile() && fstatSync(this.fd).size === before.size + written)
        ftruncateSync(this.fd, before.size);
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new TransientError(
        `cannot export receipts to ${this.dir}: receipts.jsonl cannot be written (${code}); ` +
          "the tasks whose receipts were not exported are kept",
        { cause: error },
      );
    }
    return receipts.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Cuts the last line of the file when it has no newline: what a prune killed while it wrote a page
 * leaves (SIGKILL, the OOM killer, a power cut before the flush). That page's tasks were kept, since
 * their deletion commits after their export, and the next prune exports them again; appended to,
 * the cut line ran into its first line, and that receipt could no longer be read once its task was
 * deleted. Read back from the end a block at a time (a line can be tens of megabytes). A link to a
 * pipe or a device is left alone: it is not read back, and cannot be cut.
 */
function cutUnfinishedLine(file: string): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!stat.isFile() || stat.size === 0) return;
  let fd: number;
  try {
    fd = openSync(file, "r+");
  } catch (error) {
    // A file the prover may append to only (write-only for it, `chattr +a`) is appended to as before.
    if (["EACCES", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    const block = Buffer.alloc(64 * 1024);
    for (let end = stat.size; end > 0; ) {
      const start = Math.max(0, end - block.length);
      const newline = block.subarray(0, readSync(fd, block, 0, end - start, start)).lastIndexOf(0x0a);
      if (newline >= 0) {
        if (start + newline + 1 < stat.size) ftruncateSync(fd, start + newline + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(fd, 0); // no whole line at all
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes the file to the disk. A pipe or a character device the operator pointed the export at
 * (a FIFO an uploader reads, /dev/null) cannot be flushed, and says so with EINVAL: what was
 * written to it has gone where it goes, and failing then had kept the tasks, exported again.
 */
function flush(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
  }
}

function exportLine(r: ExportedReceipt) {
  // 0x-prefixed, as every answer of the RPC writes bytes.
  const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;
  return {
    task: r.task_id,
    context: JSON.parse(r.context),
    receipt: {
      proof: hex(r.proof),
      publicValues: hex(r.public_values),
      metadata: { zkvm: r.zkvm, programId: hex(r.program_id), version: r.version, proofType: r.proof_type },
    },
  };
}
