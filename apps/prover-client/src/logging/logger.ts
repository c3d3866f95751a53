import { mkdirSync } from "node:fs";
import path from "node:path";
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
    return pino(options, pino.destination({ dest: choice.file, mkdir: true, sync: false }));
  }
  if (choice.pretty) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l" } },
    });
  }
  return pino(options);
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
