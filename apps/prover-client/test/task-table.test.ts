import type { TaskRecord } from "@paas/core";
import { describe, expect, it } from "vitest";
import { formatTasks } from "../src/cli/task-table.js";

const NOW = 1_700_000_000_000;

function changedAgo(ms: number): TaskRecord {
  return {
    id: "0123456789abcdef0123456789abcdef",
    taskId: { context: { kind: "checkpoint", index: 3 }, backend: "native" },
    kind: "checkpoint",
    backend: "native",
    status: "queued",
    retryCount: 0,
    createdAt: NOW - ms,
    updatedAt: NOW - ms,
    attempt: 0,
    interruptions: 0,
  };
}

/** The "updated" column of `paas list` for a task last changed `ms` before now. */
const updated = (ms: number) =>
  formatTasks([changedAgo(ms)], NOW)
    .split("\n")[1]!
    .split(/\s+/)[3];

describe("paas list's ages", () => {
  it("rounds into the next unit rather than showing a full one of the smaller", () => {
    // Rounded within its unit, 59.6 s read "60s" and 59 min 50 s read "60m".
    expect(updated(59_600)).toBe("1m");
    expect(updated(3_599_000)).toBe("1h");
    expect(updated(999)).toBe("999ms");
    expect(updated(1_499)).toBe("1s");
    expect(updated(90 * 60_000)).toBe("2h");
  });

  it("counts days from two of them on, not hundreds of hours", () => {
    expect(updated(36 * 3_600_000)).toBe("36h");
    expect(updated(47 * 3_600_000)).toBe("47h");
    expect(updated(48 * 3_600_000)).toBe("2d");
    expect(updated(30 * 86_400_000)).toBe("30d");
  });
});
