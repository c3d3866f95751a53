import { mkdirSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";

export interface LoggerChoice {
  readonly level: string;
  /** With the progress view on a terminal, logs go to this file instead of the screen. */
  readonly file?: string;
  readonly pretty: boolean;
}

/** Structured logs: pretty on a terminal, JSON lines otherwise (or into a file). */
export function createLogger(choice: LoggerChoice): Logger {
  if (choice.file) {
    mkdirSync(path.dirname(choice.file), { recursive: true });
    return pino({ level: choice.level }, pino.destination({ dest: choice.file, mkdir: true, sync: false }));
  }
  if (choice.pretty) {
    return pino({
      level: choice.level,
      transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l" } },
    });
  }
  return pino({ level: choice.level });
}
