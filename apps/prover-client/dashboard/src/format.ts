/** How values read on the page. */

/** A context without its kind: `index 3`, `from 10 to 17`. */
export function describeContext(context: {
  readonly kind: string;
  readonly [field: string]: unknown;
}): string {
  const parts = Object.entries(context)
    .filter(([key]) => key !== "kind")
    .map(([key, value]) => `${key} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
  return parts.join(", ");
}

export function shortId(id: string): string {
  return id.slice(0, 10);
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const date = new Date(ms);
  return `${date.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${date.toLocaleTimeString()}`;
}

export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export function formatAge(since: number, now: number): string {
  return `${formatDuration(Math.max(0, now - since))} ago`;
}

export function statusLabel(status: string): string {
  return status.replaceAll("_", " ");
}
