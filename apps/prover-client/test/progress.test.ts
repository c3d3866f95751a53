/**
 * The progress view on a terminal: a real terminal emulator (xterm.js, headless) of a given size
 * receives exactly what the printer writes, and the test reads its screen as a person would.
 */
import { PaasError, type StatusSummary, type TaskStatusName } from "@paas/core";
import { until } from "@paas/testing";
import xterm from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { describeCliError } from "../src/cli/cli-error.js";
import { terminalSafe } from "../src/cli/terminal-text.js";
import { ProgressPrinter } from "../src/progress/progress-printer.js";
import { type ProgressSnapshot, renderProgress } from "../src/progress/render-progress.js";

const KINDS = ["evm-ee-stf", "cl-stf", "checkpoint"];

function snapshot(done: number, lastError: string | null, attention: string | null = null): ProgressSnapshot {
  const rows = KINDS.flatMap((kind) => [
    { kind, backend: "native", status: "completed" as TaskStatusName, count: done },
    { kind, backend: "native", status: "proving" as TaskStatusName, count: 1 },
  ]);
  const summary = { total: rows.length * done, byStatus: {}, rows } as unknown as StatusSummary;
  return {
    summary,
    kinds: KINDS,
    headline: "PaaS prover · embedded devnet",
    uptimeMs: 83_000,
    reports: {
      "evm-ee-stf": {
        program: "evm-ee-stf@2 0x1234567890…",
        chain: "devnet, chain id 1337, Prague from genesis",
        maxBlocks: 64,
        fetchConcurrency: 4,
        witnesses: "from debug_executionWitness",
      },
      checkpoint: { runner: "on", latestCheckpoint: done, lastAccepted: done - 1, attention, lastError },
    },
  };
}

/** A terminal of `cols` × `rows` and a stream that writes into it. */
function terminal(cols: number, rows = 40) {
  // convertEol: a tty's line discipline turns "\n" into "\r\n" on its way to the screen.
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  let pending = Promise.resolve();
  const out = {
    isTTY: true,
    columns: cols,
    rows,
    write(data: string | Uint8Array) {
      pending = pending.then(() => new Promise<void>((resolve) => term.write(data, resolve)));
      return true;
    },
  };
  const screen = async () => {
    await pending;
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? "");
    return lines.join("\n").trimEnd();
  };
  return { out, screen };
}

describe("the progress view on a terminal", () => {
  it.each([80, 120])("redraws in place at %i columns, however long a fact is", async (cols) => {
    const { out, screen } = terminal(cols);
    let done = 40;
    const longError = `report: request to http://127.0.0.1:8545/ failed, reason: connect ECONNREFUSED ${"x".repeat(120)}`;
    const printer = new ProgressPrinter(async () => snapshot(done, longError), out as never, 60_000);
    for (; done < 45; done++) await printer.print();
    printer.stop();
    const text = await screen();
    expect(text.match(/PaaS prover · embedded devnet · up 00:01:23/g)).toHaveLength(1);
    expect(text.match(/^status /gm)).toHaveLength(1);
    expect(text).toMatch(/^completed\s+44\s+44\s+44$/m);
    expect(text).toContain("checkpoint: runner on · latestCheckpoint 44 · lastAccepted 43 ·");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(cols);
  });
});

describe("the progress view on a terminal that reports no size", () => {
  it("appends the view, as to a pipe, where a pty says 0 rows and 0 columns (docker exec -t, script)", async () => {
    let written = "";
    const out = {
      isTTY: true,
      columns: 0,
      rows: 0,
      write(text: string) {
        written += text;
        return true;
      },
    };
    const printer = new ProgressPrinter(async () => snapshot(3, null), out as never, 60_000);
    await printer.print();
    printer.stop();
    expect(written).toMatch(/^completed\s+3\s+3\s+3$/m);
  });
});

describe("the progress view on a pipe", () => {
  it("appends a failure to read the view once while it lasts, as it appends a view", async () => {
    let written = "";
    const out = {
      isTTY: false,
      write(text: string) {
        written += text;
        return true;
      },
    };
    // The client answers, then is down for a while (the same failure every refresh), then answers.
    let reads = 0;
    const read = async () => {
      reads++;
      if (reads >= 2 && reads <= 6)
        throw new Error("paas_getReport: http://127.0.0.1:4844 unreachable (ECONNREFUSED)");
      return snapshot(reads < 2 ? 3 : 4, null);
    };
    const printer = new ProgressPrinter(read, out as never, 1);
    printer.start();
    await until(() => reads >= 8, "eight refreshes");
    printer.stop();
    expect(written.match(/^progress view failed: .*$/gm)).toEqual([
      "progress view failed: paas_getReport: http://127.0.0.1:4844 unreachable (ECONNREFUSED)",
    ]);
    expect(written.match(/^completed\s+\d+\s+\d+\s+\d+$/gm)).toHaveLength(2);
  });
});

describe("renderProgress", () => {
  it("names every status as the API does, one row each", () => {
    const text = renderProgress(snapshot(3, null));
    const names = text
      .split("\n")
      .slice(2, 11)
      .map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual([
      "pending",
      "blocked",
      "queued",
      "proving",
      "publishing",
      "completed",
      "transient_failure",
      "permanent_failure",
      "cancelled",
    ]);
    expect(text).not.toMatch(/\b(done|failed|retrying|publish)\b/);
  });

  it("shows a problem going on now under the headline, where an 80-column terminal keeps it", () => {
    const down = "report: http://127.0.0.1:8545 unreachable (ECONNREFUSED)";
    const lines = renderProgress(snapshot(3, down, `the runner cannot follow the CL: ${down}`), 80).split(
      "\n",
    );
    expect(lines[1]).toBe("! checkpoint: the runner cannot follow the CL: report: http://127.0.0.1:8545 un…");
    expect(lines.filter((line) => line.includes("attention"))).toEqual([]);
    expect(renderProgress(snapshot(3, down))).not.toContain("!");
  });

  it("cuts every line to the width it is given and keeps a multi-line error on one line", () => {
    const text = renderProgress(snapshot(3, "first line\n  second line"), 60);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    expect(renderProgress(snapshot(3, "first line\n  second line"))).toContain(
      "lastError first line second line",
    );
  });

  it("shows control characters in reported text as escapes, so a node's error cannot drive the terminal", () => {
    // Set the window title, clear the screen, move the cursor home, reverse the text: from an error a node answered.
    const hostile = "node says \u001b]0;owned\u0007\u001b[2J\u001b[H\u009b1m\u202edone";
    const shown = "node says \\u001b]0;owned\\u0007\\u001b[2J\\u001b[H\\u009b1m\\u202edone";
    const text = renderProgress(snapshot(3, hostile, hostile));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text).toContain(`lastError ${shown}`);
    expect(describeCliError(new PaasError("INVALID_CONTEXT", hostile))).toBe(
      `error (INVALID_CONTEXT): ${shown}`,
    );
    // JSON output keeps such a character losslessly: the escape is JSON's own.
    const json = JSON.stringify({ error: "next line\u0085here" });
    expect(JSON.parse(terminalSafe(json))).toEqual({ error: "next line\u0085here" });
  });

  it("clips a long fact even without a width, as `paas report` writes into a file", () => {
    const nested = `dependency cl-stf failed: ${"dependency evm-ee-stf failed: ".repeat(100)}node down`;
    const text = renderProgress(snapshot(3, nested));
    const line = text.split("\n").find((l) => l.includes("lastError"))!;
    expect(line).toContain(`lastError ${nested.slice(0, 199)}…`);
    expect(line.length).toBeLessThan(1_000);
  });
});
