import { type StatusSummary, TASK_STATUSES, type TaskStatusName } from "@paas/core";
import cliTruncate from "cli-truncate";
import { terminalSafe } from "../cli/terminal-text.js";

/** Task counts as a server reports them: `waiting` is absent from a version that did not count it. */
export type ReportedCounts = Omit<StatusSummary, "waiting"> & { readonly waiting?: number };

export interface ProgressSnapshot {
  readonly summary: ReportedCounts;
  readonly kinds: readonly string[];
  /** Per-kind reports from plugins (e.g. the checkpoint plugin's CL status). */
  readonly reports: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly headline: string;
  /** How long the prover client has been running (the server's uptime, also in `paas watch`). */
  readonly uptimeMs: number;
}

/** A row of the table: a status, or, under `transient_failure`, how many of those wait for the chain. */
type Row = TaskStatusName | "waiting";

/**
 * The rows, in the lifecycle's order. The waits for the chain are a part of `transient_failure`
 * (the count `paas list --status transient_failure` lists), said under it: counted as failures
 * alone, checkpoints waiting for their epoch read as failing. Not shown for a server that does not
 * count them (`paas watch` of an older version), rather than shown as none.
 */
function rowsOf(summary: ReportedCounts): readonly Row[] {
  if (summary.waiting === undefined) return TASK_STATUSES;
  return TASK_STATUSES.flatMap((status): Row[] =>
    status === "transient_failure" ? [status, "waiting"] : [status],
  );
}

function labelOf(row: Row): string {
  return row === "waiting" ? "  waiting for the chain" : row;
}

/**
 * The progress view: one row per task status (the API's names, as `paas list --status` takes
 * them) and one column per kind, then what each plugin reports; a report's `attention` (a
 * problem going on now, e.g. a CL that does not answer) is shown under the headline, where a
 * narrow terminal does not cut it. Statuses are rows so the table stays narrow however many statuses there are; every line is cut to `width` columns, so a
 * terminal never wraps one and the in-place redraw stays aligned.
 */
export function renderProgress(snapshot: ProgressSnapshot, width = Number.POSITIVE_INFINITY): string {
  const { summary, kinds, reports } = snapshot;
  const rows = rowsOf(summary);
  const counts = new Map<string, Map<Row, number>>(kinds.map((k) => [k, new Map()]));
  for (const row of summary.rows) {
    const byRow = counts.get(row.kind) ?? new Map<Row, number>();
    byRow.set(row.status, (byRow.get(row.status) ?? 0) + row.count);
    if (row.waiting) byRow.set("waiting", (byRow.get("waiting") ?? 0) + row.waiting);
    counts.set(row.kind, byRow);
  }
  const statusWidth = Math.max(...rows.map((row) => labelOf(row).length));
  // A column is as wide as its name or its largest count (ten million tasks is 8 digits).
  const columns = [...counts.keys()].map((kind) => ({
    kind,
    width: Math.max(
      6,
      nameText(kind).length,
      ...[...(counts.get(kind)?.values() ?? [])].map((n) => String(n).length),
    ),
  }));
  const attention = Object.entries(reports)
    .filter(([, report]) => typeof report.attention === "string" && report.attention !== "")
    .map(([kind, report]) => `! ${nameText(kind)}: ${formatValue(report.attention)}`);
  const lines = [
    `${snapshot.headline} · up ${formatDuration(snapshot.uptimeMs)}`,
    ...attention,
    ...tablesOf(columns, statusWidth, width).flatMap((group) =>
      // Narrower than the status names and one column (under 30 columns): the counts first, where a
      // cut leaves them, and the status after them.
      group.length === 1 && statusWidth + 2 + group[0]!.width > width
        ? countsFirst(group[0]!.kind, rows, counts.get(group[0]!.kind))
        : [
            ["status".padEnd(statusWidth), ...group.map((c) => nameText(c.kind).padStart(c.width))].join(
              "  ",
            ),
            ...rows.map((row) =>
              [
                labelOf(row).padEnd(statusWidth),
                ...group.map((c) => String(counts.get(c.kind)?.get(row) ?? 0).padStart(c.width)),
              ].join("  "),
            ),
          ],
    ),
  ];
  for (const [kind, report] of Object.entries(reports)) {
    const facts = Object.entries(report)
      .filter(
        ([key, value]) =>
          key !== "attention" &&
          value !== null &&
          value !== undefined &&
          !(Array.isArray(value) && value.length === 0),
      )
      .map(([key, value]) => `${nameText(key)} ${formatValue(value)}`)
      .join(" · ");
    if (facts) lines.push(`${nameText(kind)}: ${facts}`);
  }
  // Kinds and report keys are text from a config or a plugin too, as raw as a value; and a line is
  // cut by the columns it takes, which a wide character (CJK) takes two of.
  return lines
    .map(terminalSafe)
    .map((line) => (Number.isFinite(width) ? cliTruncate(line, width) : line))
    .join("\n");
}

/**
 * A kind's name or a report's key as the view shows it: on one line, its line breaks and tabs
 * escaped too (`terminalSafe` keeps them, for multi-line errors). A name from a server (`paas
 * watch`) with a newline drew a line of its choosing, a forged count among the real ones.
 */
function nameText(name: string): string {
  return terminalSafe(name).replace(/[\t\n]/g, (c) => (c === "\t" ? "\\u0009" : "\\u000a"));
}

/** One kind's counts as a list, each count before its status. */
function countsFirst(
  kind: string,
  rows: readonly Row[],
  byRow: ReadonlyMap<Row, number> | undefined,
): string[] {
  const counts = rows.map((row) => String(byRow?.get(row) ?? 0));
  const digits = Math.max(...counts.map((n) => n.length));
  return [`${nameText(kind)}:`, ...counts.map((n, i) => `${n.padStart(digits)}  ${labelOf(rows[i]!)}`)];
}

/**
 * The kinds' columns in tables that each fit `width`: with many kinds, the ones past the
 * terminal's edge were cut off with the line, their counts not shown at all. A column too wide
 * for any table is a table of its own, cut as any line.
 */
function tablesOf<C extends { readonly width: number }>(
  columns: readonly C[],
  statusWidth: number,
  width: number,
): C[][] {
  const tables: C[][] = [];
  let used = Number.POSITIVE_INFINITY;
  for (const column of columns) {
    if (used + 2 + column.width > width || tables.length === 0) {
      tables.push([]);
      used = statusWidth;
    }
    tables.at(-1)!.push(column);
    used += 2 + column.width;
  }
  return tables.length > 0 ? tables : [[]];
}

function formatValue(value: unknown): string {
  // One line per fact: an error message with newlines would break the table. A long one (a
  // dependency's error nested in its dependent's, a plugin's list of thousands of blocks) is
  // clipped: `--json` has it whole.
  const text = terminalSafe(factText(value).replace(/\s*[\n\t]\s*/g, " "));
  return text.length > MAX_FACT_CHARS ? `${text.slice(0, MAX_FACT_CHARS - 1)}…` : text;
}

function factText(value: unknown): string {
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => (Array.isArray(value) ? factText(v) : `${k}=${factText(v)}`))
      .join(" ");
  }
  if (typeof value === "string" && /^0x[0-9a-f]{16,}$/i.test(value)) return `${value.slice(0, 10)}…`;
  return String(value);
}

/** The longest a fact's value is shown, whatever the width (`paas report` into a file has none). */
const MAX_FACT_CHARS = 200;

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3_600))}:${pad(Math.floor((s % 3_600) / 60))}:${pad(s % 60)}`;
}
