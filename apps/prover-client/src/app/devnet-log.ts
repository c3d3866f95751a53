import { createWriteStream } from "node:fs";
import { errorMessage } from "@paas/core";

/** The embedded devnet's log file, written with what the devnet says as it comes. */
export interface DevnetLog {
  write(chunk: Buffer): void;
  /** Once what waits is written (or dropped, the file refused). */
  close(): Promise<void>;
}

/**
 * Written chunk by chunk, not piped: a log the disk refuses (ENOSPC) is said once and left, and the
 * devnet's output is still read. Piped, the refusal was an uncaught error that stopped the prover
 * client, and the undone pipe left the devnet blocked on its own output once the buffer filled.
 * Not piped, nothing held the devnet back for a disk slower than its output, and what waited for
 * the disk grew in memory without end: past `backlogBytes` waiting, its output is dropped until
 * the file has caught up, and how much is said on stderr.
 */
export function openDevnetLog(logFile: string, backlogBytes: number): DevnetLog {
  // The high-water mark is the backlog: write() says false once that much waits, "drain" once none.
  const log = createWriteStream(logFile, { flags: "a", highWaterMark: backlogBytes });
  let refused = false;
  let behind = false;
  let dropped = 0;
  const sayDropped = (until: string) => {
    if (dropped === 0) return;
    process.stderr.write(
      `the embedded devnet's output outran its log ${logFile} (more than ${backlogBytes} bytes waiting for the disk): ${dropped} bytes of it were dropped ${until}\n`,
    );
    dropped = 0;
  };
  log.on("error", (error) => {
    if (refused) return;
    refused = true;
    process.stderr.write(
      `cannot write the embedded devnet's log ${logFile} (${errorMessage(error)}): its output is dropped until the next start\n`,
    );
  });
  log.on("drain", () => {
    behind = false;
    sayDropped("before the disk caught up; the log goes on");
  });
  return {
    write(chunk) {
      if (refused) return;
      if (behind) {
        dropped += chunk.length;
        return;
      }
      behind = !log.write(chunk);
    },
    async close() {
      await new Promise<void>((resolve) => log.end(() => resolve()));
      if (!refused) sayDropped("up to its stop");
    },
  };
}
