import type { StatusCount, TaskStatusName, TaskTransition } from "../contracts/status.js";

/**
 * Task counts by kind, backend and status, kept from the transitions this process commits after
 * one count from the database at start. A GROUP BY over 100k tasks takes tens of milliseconds of
 * synchronous SQLite time, which the progress view and metrics scrapes would steal from the event
 * loop every few seconds; this answers in microseconds. Exact while this process is the only one
 * writing the database (see docs/architecture.md).
 */
export class TaskCounts {
  private readonly counts = new Map<
    string,
    { kind: string; backend: string; status: TaskStatusName; count: number }
  >();

  load(rows: readonly StatusCount[]): void {
    this.counts.clear();
    for (const row of rows) this.add(row.kind, row.backend, row.status, row.count);
  }

  apply(t: TaskTransition): void {
    if (t.from !== null) this.add(t.kind, t.backend, t.from, -1);
    this.add(t.kind, t.backend, t.to, 1);
  }

  rows(): StatusCount[] {
    return [...this.counts.values()].filter((r) => r.count > 0).map((r) => ({ ...r }));
  }

  private add(kind: string, backend: string, status: TaskStatusName, delta: number): void {
    const key = `${kind}\u0000${backend}\u0000${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += delta;
    else this.counts.set(key, { kind, backend, status, count: delta });
  }
}
