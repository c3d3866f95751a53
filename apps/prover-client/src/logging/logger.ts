import { mkdirSync, writeSync } from "node:fs";
import path from "node:path";
import { errorMessage } from "@paas/core";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { RepeatLimiter } from "./repeat-limiter.js";

export interface LoggerChoice {
  readonly level: string;
  /** With the progress view on a terminal, logs go to this file instead of the screen. */
  readonly file?: string;
  readonly pretty: boolean;
  /** Where the lines go instead (tests). */
  readonly destination?: DestinationStream;
  /** The same warning or error is written at most once per this many milliseconds (default 30 s). */
  readonly repeatWindowMs?: number;
  readonly now?: () => number;
}

const WARN = 40;

/**
 * The one logger of the prover client, which plugins get children of: pretty on a terminal, JSON
 * lines otherwise (or into a file). Warnings and errors repeated with the same message are written
 * once per window, the next line carrying `suppressed`, the count left out meanwhile.
 */
export function createLogger(choice: LoggerChoice): Logger {
  const limiter = new RepeatLimiter({
    windowMs: choice.repeatWindowMs ?? 30_000,
    ...(choice.now !== undefined && { now: choice.now }),
  });
  const options: LoggerOptions = {
    level: choice.level,
    hooks: {
      logMethod(args, method, level) {
        if (level < WARN) return method.apply(this, args);
        const verdict = limiter.admit(repeatKey(level, args));
        if (!verdict.log) return;
        if (verdict.suppressed === 0) return method.apply(this, args);
        const [first, ...rest] = args as unknown[];
        const fields =
          first instanceof Error
            ? { err: first, suppressed: verdict.suppressed }
            : typeof first === "object" && first !== null
              ? { ...first, suppressed: verdict.suppressed }
              : undefined;
        const withCount =
          fields === undefined ? [{ suppressed: verdict.suppressed }, first, ...rest] : [fields, ...rest];
        return method.apply(this, withCount as Parameters<typeof method>);
      },
    },
  };
  if (choice.destination) return pino(options, choice.destination);
  if (choice.file) {
    mkdirSync(path.dirname(choice.file), { recursive: true });
    return pino(options, fileDestination(choice.file));
  }
  if (choice.pretty) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l" } },
    });
  }
  return pino(options);
}

/** What the log file holds in memory while it cannot be written; lines beyond it are dropped. */
const HELD_BYTES = 16 * 1024 * 1024;

/** sonic-boom's own state (pino.destination; sonic-boom 4), which the exit's write below reads. */
interface HeldLines {
  readonly fd: number;
  readonly _writing: boolean;
  _writingBuf: string | Buffer;
  _bufs: (string | Buffer)[];
  _len: number;
}

/**
 * The log file, written in the background. A write it refuses (a full disk: ENOSPC) is said once
 * on stderr, and the lines are held and written with the next line once it takes them. Left to
 * pino, the refusal was an uncaught error that stopped the process, and its exit handler then
 * retried the write every 100 ms for good: a prover client that neither proved nor exited, said
 * nothing, and kept its database locked.
 */
function fileDestination(file: string): DestinationStream {
  const stream = pino.destination({ dest: file, mkdir: true, sync: false, maxLength: HELD_BYTES });
  let refused = false;
  stream.on("error", (error: Error) => {
    if (!refused) {
      process.stderr.write(
        `cannot write the log file ${file} (${errorMessage(error)}): its lines are held until it can be written\n`,
      );
    }
    refused = true;
  });
  stream.on("write", (written: number) => {
    if (written > 0) refused = false;
  });
  // A line the held ones leave no room for is dropped without a write being tried: with no room
  // left for any line, the file was never written again, space or not. The empty line tries it.
  stream.on("drop", () => stream.write(""));
  const held = stream as unknown as HeldLines;
  // At exit pino writes what is held synchronously, retrying a refused write every 100 ms for good,
  // and a refusal is not yet heard while the write that meets it is under way. Tried once here;
  // what the disk refuses is lost.
  stream.flushSync = () => {
    if (held.fd < 0) return;
    const lines = [...(held._writing ? [] : [held._writingBuf]), ...held._bufs];
    held._writingBuf = "";
    held._bufs = [];
    held._len = 0;
    try {
      for (const line of lines) {
        let rest = Buffer.from(line);
        while (rest.length > 0) rest = rest.subarray(writeSync(held.fd, rest));
      }
    } catch {
      // The disk refuses them (see above).
    }
  };
  return stream;
}

/** Level, message and the error's own message: what makes two lines "the same". */
function repeatKey(level: number, args: readonly unknown[]): string {
  const [first, second] = args;
  const message = typeof first === "string" ? first : typeof second === "string" ? second : "";
  return `${level}\u0000${message}\u0000${errorText(first)}`;
}

function errorText(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value !== "object" || value === null) return "";
  const fields = value as { err?: unknown; error?: unknown };
  const error = fields.err ?? fields.error;
  return error instanceof Error ? error.message : typeof error === "string" ? error : "";
}
