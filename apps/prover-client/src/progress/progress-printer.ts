import { createLogUpdate } from "log-update";
import type { ProgressSnapshot } from "./render-progress.js";
import { renderProgress } from "./render-progress.js";

/** What the printer writes to: a terminal (with its size) or a pipe or file. */
export type ProgressOutput = Pick<NodeJS.WriteStream, "write" | "isTTY" | "columns" | "rows">;

/**
 * `stream` as a pipe is written to: the view appended, never redrawn in place. For a terminal that
 * other lines share (`paas start | tee`, whose log lines would be drawn over).
 */
export function appendOnly(stream: NodeJS.WriteStream): ProgressOutput {
  return { write: stream.write.bind(stream), isTTY: false, columns: stream.columns, rows: stream.rows };
}

/**
 * Prints the progress view every interval: redrawn in place on a terminal (log-update, which
 * counts screen rows, not lines printed, and the view is cut to the terminal's width anyway), or
 * appended when the output is a pipe or file (and then only when something changed).
 */
export class ProgressPrinter {
  private timer: NodeJS.Timeout | undefined;
  private lastText = "";
  private readonly redraw: ReturnType<typeof createLogUpdate> | undefined;

  constructor(
    private readonly snapshot: () => Promise<ProgressSnapshot>,
    private readonly out: ProgressOutput,
    private readonly intervalMs: number,
    /** Whether the view alone keeps the process alive (the `watch` command) or not (the app). */
    private readonly keepAlive = false,
  ) {
    // A terminal that reports no size (`docker exec -t`, `script`: 0 rows, 0 columns) would have
    // every line cut to nothing; the view is appended there, as to a pipe.
    const sized = (out.rows ?? 1) > 0 && (out.columns ?? 1) > 0;
    this.redraw =
      out.isTTY && sized ? createLogUpdate(out as NodeJS.WriteStream, { showCursor: true }) : undefined;
  }

  start(): void {
    const tick = () => {
      this.print()
        .catch((error: unknown) =>
          this.showFailure(`progress view failed: ${error instanceof Error ? error.message : String(error)}`),
        )
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

  /** Stops refreshing; the last view stays on the screen, and what is written next goes below it. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.redraw?.done();
  }

  async print(): Promise<void> {
    const snapshot = await this.snapshot();
    if (this.redraw) {
      this.redraw(renderProgress(snapshot, this.out.columns ?? 80));
    } else {
      const text = renderProgress(snapshot);
      const body = text.split("\n").slice(1).join("\n");
      if (body !== this.lastText) this.out.write(`${text}\n\n`);
      this.lastText = body;
    }
  }

  /**
   * A failure to read the view: redrawn in place, or appended once while it stays the same, as a
   * view is. A client or node down for hours wrote the same line every interval into a pipe (a
   * log file, `paas watch | tee`).
   */
  private showFailure(text: string): void {
    if (this.redraw) this.redraw(text);
    else if (text !== this.lastText) this.out.write(`${text}\n`);
    this.lastText = text;
  }
}
