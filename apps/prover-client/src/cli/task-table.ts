import type { TaskAttempt, TaskRecord } from "@paas/core";

/** One line per task: key, kind, status (with retry facts), age, and the context. */
export function formatTasks(tasks: readonly TaskRecord[], now = Date.now()): string {
  if (tasks.length === 0) return "no tasks";
  const rows = tasks.map((t) => [
    t.id,
    t.kind,
    describeStatus(t, now),
    formatAge(now - t.updatedAt),
    JSON.stringify(t.taskId.context),
  ]);
  const widths = [
    32,
    Math.max(4, ...rows.map((r) => r[1]!.length)),
    Math.max(6, ...rows.map((r) => r[2]!.length)),
    8,
  ];
  const head = ["task", "kind", "status", "updated"].map((h, i) => h.padEnd(widths[i]!)).join("  ");
  return [
    `${head}  context`,
    ...rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join("  ")),
  ].join("\n");
}

/**
 * The status by its API name (what `paas list --status` takes), with the facts of a failure; a
 * wait for the chain without a retry count: it uses up none, and "retry 3" read as a task failing.
 */
export function describeStatus(t: TaskRecord, now = Date.now()): string {
  if (t.status === "transient_failure" && isWaiting(t)) {
    return `transient_failure (${t.phase}, waiting for the chain, next check in ${formatAge(Math.max(0, t.nextAttemptAt - now))})`;
  }
  if (t.status === "transient_failure") {
    return `transient_failure (${t.phase}, retry ${t.retryCount}, next in ${formatAge(Math.max(0, t.nextAttemptAt - now))})`;
  }
  if (t.status === "permanent_failure") return `permanent_failure (${t.phase})`;
  return t.status;
}

/**
 * Whether the task waits for the chain (`NotYetAvailableError`) rather than failing: the record
 * says so, listed or read alone (`waiting`, which the server keeps on the task's row).
 */
export function isWaiting(t: TaskRecord): boolean {
  return t.status === "transient_failure" && t.waiting === true;
}

/**
 * Which instance works on the task, and until when its lease holds: in a cluster the one to look
 * at (or wait for) while the task is proving. `paas status` had said "proving" alone, the
 * instance shown only by the dashboard.
 */
export function formatHolder(t: TaskRecord, now = Date.now()): string {
  if (t.heldBy === undefined) return "";
  const { instance, since, leaseExpiresAt } = t.heldBy;
  const lease =
    leaseExpiresAt >= now
      ? `lease expires in ${formatAge(leaseExpiresAt - now)}`
      : `lease expired ${formatAge(now - leaseExpiresAt)} ago`;
  return `held by ${instance} for ${formatAge(Math.max(0, now - since))} (${lease})`;
}

/** A task's history, one line per finished attempt, oldest first. */
export function formatAttempts(attempts: readonly TaskAttempt[]): string {
  if (attempts.length === 0) return "attempts: none finished yet";
  const rows = attempts.map((a) => [
    String(a.attempt),
    a.phase,
    a.outcome,
    new Date(a.startedAt).toISOString(),
    formatAge(a.endedAt - a.startedAt),
    a.instance,
    a.error ?? "",
  ]);
  const head = ["#", "phase", "outcome", "started", "took", "instance", "error"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c))
      .join("  ")
      .trimEnd();
  return ["attempts:", line(head), ...rows.map(line)].join("\n");
}

/**
 * An age or a wait in its largest sensible unit. The unit is chosen by the rounded value: 59.6 s is
 * "1m", never "60s". Days from two of them on: a task pruned after a month had read "720h".
 */
export function formatAge(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (Math.round(ms / 1_000) < 60) return `${Math.round(ms / 1_000)}s`;
  if (Math.round(ms / 60_000) < 60) return `${Math.round(ms / 60_000)}m`;
  if (Math.round(ms / 3_600_000) < 48) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}
