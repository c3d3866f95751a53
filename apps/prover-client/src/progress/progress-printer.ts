import type { ProgressSnapshot } from "./render-progress.js";
import { renderProgress } from "./render-progress.js";

/**
 * Prints the progress view every interval: redrawn in place on a terminal, or appended when the
 * output is a pipe or file (and then only when something changed).
 */
export class ProgressPrinter {
  private timer: NodeJS.Timeout | undefined;
  private lastLines = 0;
  private lastText = "";

  constructor(
    private readonly snapshot: () => Promise<ProgressSnapshot>,
    private readonly out: NodeJS.WriteStream,
    private readonly intervalMs: number,
    /** Whether the view alone keeps the process alive (the `watch` command) or not (the app). */
    private readonly keepAlive = false,
  ) {}

  start(): void {
    const tick = () => {
      this.print()
        .catch((error: unknown) => this.out.write(`progress view failed: ${String(error)}\n`))
        .finally(() => {
          if (this.timer) this.timer = this.schedule(tick, this.intervalMs);
        });
    };
    this.timer = this.schedule(tick, 0);
  }

  private schedule(tick: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(tick, ms);
    if (!this.keepAlive) timer.unref();
    return timer;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async print(): Promise<void> {
    const text = renderProgress(await this.snapshot());
    if (this.out.isTTY) {
      const clear = this.lastLines > 0 ? `\x1b[${this.lastLines}A\x1b[0J` : "";
      this.out.write(`${clear}${text}\n`);
      this.lastLines = text.split("\n").length;
    } else {
      const body = text.split("\n").slice(1).join("\n");
      if (body !== this.lastText) this.out.write(`${text}\n\n`);
      this.lastText = body;
    }
  }
}
