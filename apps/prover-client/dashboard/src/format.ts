/** How values read on the page. */

/** Fields that place a block or checkpoint in order, most telling first. */
const ORDINALS = ["number", "slot", "index", "epoch"] as const;

function ordinalOf(value: unknown): { field: string; value: number } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const field = ORDINALS.find((f) => typeof record[f] === "number");
  return field === undefined ? undefined : { field, value: record[field] as number };
}

/**
 * A context without its kind, as an operator reads it: `index 3`, `blocks 9..12` (a range of
 * block references), `slots 5..8`; other fields as `name value`, hashes shortened.
 */
export function describeContext(context: {
  readonly kind: string;
  readonly [field: string]: unknown;
}): string {
  const start = ordinalOf(context.start);
  const end = ordinalOf(context.end);
  const parts: string[] = [];
  if (start && end && start.field === end.field) {
    parts.push(`${start.field === "number" ? "blocks" : `${start.field}s`} ${start.value}..${end.value}`);
  }
  for (const [key, value] of Object.entries(context)) {
    if (key === "kind" || (parts.length > 0 && (key === "start" || key === "end"))) continue;
    const ordinal = ordinalOf(value);
    const text = ordinal
      ? `${ordinal.field} ${ordinal.value}`
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
    parts.push(`${key} ${text.length > 24 ? `${text.slice(0, 21)}…` : text}`);
  }
  return parts.join(", ");
}

export function shortId(id: string): string {
  return id.slice(0, 10);
}

/**
 * A moment in the browser's time zone, named: the servers and their logs may keep another, and an
 * operator matching a task's times against them must know which zone the page shows.
 */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const date = new Date(ms);
  return `${date.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${date.toLocaleTimeString(undefined, { timeZoneName: "short" })}`;
}

export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "—";
  // Rounded to the shown precision before splitting, so 119.6 s is "2 min 0 s", never "1 min 60 s".
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.round(ms / 100) < 600) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  // A task stuck for days reads "3 d 4 h", not "76 h 0 min" to divide in one's head.
  const hours = Math.round(ms / 3_600_000);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatAge(since: number, now: number): string {
  return `${formatDuration(Math.max(0, now - since))} ago`;
}

export function statusLabel(status: string): string {
  return status.replaceAll("_", " ");
}

/**
 * A count with its digits grouped as the browser's language writes them: 1,234,567 tasks is read at
 * a glance where 1234567 is counted. Checkpoint indices are names, not counts, and stay as they are.
 */
export function formatCount(n: number, locales?: string): string {
  return n.toLocaleString(locales, { maximumFractionDigits: 0 });
}
