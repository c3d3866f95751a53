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
  // A resize as a terminal does it: the screen reflows, then the stream reports the new size.
  const resize = async (newCols: number) => {
    await pending;
    term.resize(newCols, rows);
    out.columns = newCols;
  };
  return { out, screen, resize };
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

describe("the progress view on a narrow or resized terminal", () => {
  it.each([20, 30, 40])("redraws in place at %i columns", async (cols) => {
    const { out, screen } = terminal(cols);
    let done = 9_999_990;
    const printer = new ProgressPrinter(async () => snapshot(done, "ECONNREFUSED"), out as never, 60_000);
    for (; done < 9_999_995; done++) await printer.print();
    printer.stop();
    const text = await screen();
    expect(text.match(/^PaaS prover/gm)).toHaveLength(1);
    // One view, where each kind's counts are seen, however the width splits the table.
    for (const kind of KINDS) expect(text).toContain(kind);
    expect(text.match(/\b9999994\b/g)).toHaveLength(KINDS.length);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(cols);
  });

  it("leaves one view after the terminal narrows (SIGWINCH) between two redraws", async () => {
    const { out, screen, resize } = terminal(100);
    let done = 40;
    const printer = new ProgressPrinter(async () => snapshot(done, null), out as never, 60_000);
    await printer.print();
    await resize(50);
    done++;
    await printer.print();
    printer.stop();
    const text = await screen();
    expect(text.match(/^status /gm)).toHaveLength(1);
    expect(text.match(/^completed/gm)).toHaveLength(1);
  });

  it("leaves the view as it is while the terminal reports no width, and redraws it once it has one", async () => {
    const { out, screen, resize } = terminal(100);
    let done = 40;
    const printer = new ProgressPrinter(async () => snapshot(done, null), out as never, 60_000);
    await printer.print();
    const shown = await screen();
    // A pty resized to 0×0, as an attach (docker, kubectl -t) may do before it sends a size.
    out.columns = 0;
    done++;
    await printer.print();
    expect(await screen()).toBe(shown);
    await resize(50);
    done++;
    await printer.print();
    printer.stop();
    const text = await screen();
    expect(text.match(/^status /gm)).toHaveLength(1);
    expect(text).toMatch(/\b42\b/);
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
  it("shows control characters in a failure to read the view as escapes", async () => {
    // The text of an error a server answered: set the window title, clear the screen.
    let written = "";
    const out = {
      isTTY: false,
      write(text: string) {
        written += text;
        return true;
      },
    };
    const printer = new ProgressPrinter(
      async () => {
        throw new Error("server says \u001b]0;owned\u0007\u001b[2J");
      },
      out as never,
      1,
    );
    printer.start();
    await until(() => written !== "", "a failure shown");
    printer.stop();
    expect(written).toBe("progress view failed: server says \\u001b]0;owned\\u0007\\u001b[2J\n");
  });

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

  it("says under transient_failure how many of those wait for the chain, unless the server does not count them", () => {
    const rows = [
      {
        kind: "checkpoint",
        backend: "native",
        status: "transient_failure" as TaskStatusName,
        count: 3,
        waiting: 3,
      },
      { kind: "evm-ee-stf", backend: "native", status: "transient_failure" as TaskStatusName, count: 2 },
    ];
    const view = (waiting?: number) =>
      renderProgress({
        ...snapshot(3, null),
        reports: {},
        summary: {
          total: 5,
          byStatus: {},
          rows,
          ...(waiting !== undefined && { waiting }),
        } as unknown as StatusSummary,
      }).split("\n");
    const lines = view(3);
    const failing = lines.findIndex((l) => l.startsWith("transient_failure"));
    // Kinds in the order given: evm-ee-stf, cl-stf, checkpoint.
    expect(lines[failing]).toMatch(/^transient_failure +2 +0 +3$/);
    expect(lines[failing + 1]).toMatch(/^ {2}waiting for the chain +0 +0 +3$/);
    expect(lines[failing + 2]).toMatch(/^permanent_failure /);
    expect(new Set(lines.slice(1).map((l) => l.length)).size).toBe(1);
    // An older server's report (`paas watch` of one) says nothing of waits: none shown, not 0.
    expect(view().join("\n")).not.toContain("waiting");
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

describe("renderProgress with what config and plugins name", () => {
  it("clips a long list in a report as it clips a long text, without a width", () => {
    const pending = Array.from({ length: 2_000 }, (_, i) => 1_000_000 + i);
    const text = renderProgress({ ...snapshot(3, null), reports: { checkpoint: { pending } } });
    const line = text.split("\n").find((l) => l.startsWith("checkpoint:"))!;
    expect(line).toMatch(/^checkpoint: pending 1000000 1000001 .*…$/);
    expect(line.length).toBeLessThan(1_000);
  });

  it("shows control characters in kind names and report keys as escapes, as it does in values", () => {
    // A kind or a report's key is text from a config file or a plugin, written raw by `paas watch`.
    const hostile = "k\u001b]0;owned\u0007\u001b[2J";
    const rows = [{ kind: hostile, backend: "native", status: "completed" as TaskStatusName, count: 1 }];
    const text = renderProgress({
      summary: { total: 1, byStatus: {}, rows } as unknown as StatusSummary,
      kinds: [hostile],
      headline: "PaaS prover",
      uptimeMs: 0,
      reports: { [hostile]: { [hostile]: 1, nested: { [hostile]: 2 }, attention: "down" } },
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain("k\\u001b]0;owned\\u0007\\u001b[2J");
  });

  it("keeps a kind name or report key with a line break on its own line, so it cannot forge a row", () => {
    // A name from a server (`paas watch`) with a newline drew a line of its choosing in the view.
    const forged = "evil\ncompleted     999999\tx";
    const rows = [{ kind: forged, backend: "native", status: "queued" as TaskStatusName, count: 1 }];
    const text = renderProgress({
      summary: { total: 1, byStatus: {}, rows } as unknown as StatusSummary,
      kinds: [forged],
      headline: "PaaS prover",
      uptimeMs: 0,
      reports: { [forged]: { [forged]: 1, attention: "down" } },
    });
    expect(text).not.toMatch(/\t/);
    const completed = text.split("\n").filter((line) => line.startsWith("completed"));
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatch(/^completed +0$/);
  });

  it("shows every kind's counts on an 80-column terminal, however many kinds there are", () => {
    const kinds = Array.from({ length: 8 }, (_, i) => `rollup-${i}-block`);
    const rows = kinds.map((kind, i) => ({
      kind,
      backend: "native",
      status: "queued" as TaskStatusName,
      count: 100 + i,
    }));
    const summary = { total: 0, byStatus: {}, rows } as unknown as StatusSummary;
    const text = renderProgress({ ...snapshot(3, null), kinds, summary, reports: {} }, 80);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    for (const kind of kinds) expect(text).toMatch(new RegExp(`\\b${kind}\\b`));
    const queued = text
      .split("\n")
      .filter((l) => l.startsWith("queued"))
      .flatMap((l) => l.split(/\s+/).slice(1));
    expect(queued).toEqual(kinds.map((_, i) => String(100 + i)));
  });

  it("keeps the columns aligned with counts of ten million", () => {
    const rows = KINDS.map((kind) => ({
      kind,
      backend: "native",
      status: "completed" as TaskStatusName,
      count: 12_345_678,
    }));
    const text = renderProgress({
      ...snapshot(3, null),
      summary: { total: 0, byStatus: {}, rows } as unknown as StatusSummary,
    });
    const lines = text.split("\n");
    const head = lines.find((l) => l.startsWith("status"))!;
    const completed = lines.find((l) => l.startsWith("completed"))!;
    expect(completed.length).toBe(head.length);
    expect(lines.find((l) => l.startsWith("pending"))!.length).toBe(head.length);
  });

  it("cuts a line of wide characters to the terminal's columns, not to its string length", () => {
    const wide = "証明".repeat(20); // 40 characters, 80 columns
    const text = renderProgress({ ...snapshot(3, null), reports: { k: { e: wide } } }, 60);
    const line = text.split("\n").find((l) => l.startsWith("k:"))!;
    const columns = [...line].reduce((n, c) => n + (c.charCodeAt(0) >= 0x3000 ? 2 : 1), 0);
    expect(columns).toBeLessThanOrEqual(60);
  });
});
