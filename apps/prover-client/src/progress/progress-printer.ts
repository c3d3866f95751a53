import cliTruncate from "cli-truncate";
import { createLogUpdate } from "log-update";
import { terminalSafe } from "../cli/terminal-text.js";
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
  /** What the terminal shows of the view, and at what width: a resize reflows it. */
  private shown = { text: "", columns: 0 };
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
      this.draw(renderProgress(snapshot, this.out.columns ?? 80));
    } else {
      const text = renderProgress(snapshot);
      const body = text.split("\n").slice(1).join("\n");
      if (body !== this.lastText) this.out.write(`${text}\n\n`);
      this.lastText = body;
    }
  }

  /**
   * A terminal narrowed since the last draw (SIGWINCH) has reflowed each line wider than it now is
   * onto more rows than log-update counted, and its erase left the top of the old view on the
   * screen: those rows are erased here, and log-update draws the view anew below.
   */
  private draw(text: string): void {
    const columns = this.out.columns ?? 80;
    // A terminal that reports no width now (a pty resized to 0×0, as an attach may do before it
    // sends a size) has no row to draw in: the view is left as it is until it has one. Measured at
    // 0 columns, a line took rows without end, and the redraw spun for ever, the prover with it.
    if (columns <= 0) return;
    if (this.shown.text !== "" && columns < this.shown.columns) {
      const rows = this.shown.text.split("\n").reduce((n, line) => n + rowsOf(line, columns), 0);
      this.redraw?.done();
      // The cursor is on the row below the view: erase it and each row of the view, upwards.
      this.out.write(`${"\u001b[2K\u001b[1A".repeat(rows)}\u001b[2K\u001b[G`);
    }
    this.redraw?.(text);
    this.shown = { text, columns };
  }

  /**
   * A failure to read the view: redrawn in place, or appended once while it stays the same, as a
   * view is. A client or node down for hours wrote the same line every interval into a pipe (a
   * log file, `paas watch | tee`).
   */
  private showFailure(failure: string): void {
    // An error's text is a server's or a node's: its escape sequences are shown, not obeyed.
    const text = terminalSafe(failure);
    if (this.redraw) this.draw(text);
    else if (text !== this.lastText) this.out.write(`${text}\n`);
    this.lastText = text;
  }
}

/** The rows `line` takes on a terminal `columns` wide, measured as cli-truncate cut it. */
function rowsOf(line: string, columns: number): number {
  let rows = 1;
  while (cliTruncate(line, rows * columns) !== line) rows++;
  return rows;
}
