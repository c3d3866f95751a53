import type { StatusSummary, TaskStatusName } from "@paas/core";

export interface ProgressSnapshot {
  readonly summary: StatusSummary;
  readonly kinds: readonly string[];
  /** Per-kind reports from plugins (e.g. the checkpoint plugin's CL status). */
  readonly reports: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly headline: string;
  readonly uptimeMs: number;
}

const COLUMNS: readonly [TaskStatusName, string][] = [
  ["pending", "pending"],
  ["blocked", "blocked"],
  ["queued", "queued"],
  ["proving", "proving"],
  ["publishing", "publish"],
  ["transient_failure", "retrying"],
  ["completed", "done"],
  ["permanent_failure", "failed"],
  ["cancelled", "cancelled"],
];

/** The progress view: tasks by status per kind, then what each plugin reports. Plain text. */
export function renderProgress(snapshot: ProgressSnapshot): string {
  const { summary, kinds, reports } = snapshot;
  const counts = new Map<string, Map<TaskStatusName, number>>(kinds.map((k) => [k, new Map()]));
  for (const row of summary.rows) {
    const byStatus = counts.get(row.kind) ?? new Map<TaskStatusName, number>();
    byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + row.count);
    counts.set(row.kind, byStatus);
  }
  const kindWidth = Math.max(4, ...[...counts.keys()].map((k) => k.length));
  const header = ["kind".padEnd(kindWidth), ...COLUMNS.map(([, label]) => label.padStart(8))].join(" ");
  const lines = [`${snapshot.headline} · up ${formatDuration(snapshot.uptimeMs)}`, header];
  for (const [kind, byStatus] of counts) {
    lines.push(
      [kind.padEnd(kindWidth), ...COLUMNS.map(([s]) => String(byStatus.get(s) ?? 0).padStart(8))].join(" "),
    );
  }
  for (const [kind, report] of Object.entries(reports)) {
    const facts = Object.entries(report)
      .filter(
        ([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0),
      )
      .map(([key, value]) => `${key} ${formatValue(value)}`)
      .join(" · ");
    if (facts) lines.push(`${kind}: ${facts}`);
  }
  return lines.join("\n");
}

function formatValue(value: unknown): string {
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => (Array.isArray(value) ? formatValue(v) : `${k}=${formatValue(v)}`))
      .join(" ");
  }
  if (typeof value === "string" && /^0x[0-9a-f]{16,}$/i.test(value)) return `${value.slice(0, 10)}…`;
  return String(value);
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3_600))}:${pad(Math.floor((s % 3_600) / 60))}:${pad(s % 60)}`;
}
