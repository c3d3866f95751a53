import type { TaskStatusName, TaskTransition } from "@paas/core";
import { describe, expect, it } from "vitest";
import { RecentActivity } from "../src/overview/recent-activity.js";

function transition(
  id: string,
  kind: string,
  from: TaskStatusName | null,
  to: TaskStatusName,
  at: number,
): TaskTransition {
  return { id, kind, backend: "native", context: { kind }, from, to, at, retryCount: 0 };
}

describe("recent activity", () => {
  it("gives percentiles of proving time by kind, from proofs that ended well", () => {
    const activity = new RecentActivity(() => 0);
    for (let i = 1; i <= 20; i++) {
      activity.observe(transition(`t${i}`, "cl-stf", "queued", "proving", 0));
      activity.observe(transition(`t${i}`, "cl-stf", "proving", "completed", i * 100));
    }
    // A failed proof is not a proving time.
    activity.observe(transition("bad", "cl-stf", "queued", "proving", 0));
    activity.observe(transition("bad", "cl-stf", "proving", "transient_failure", 99_999));
    activity.observe(transition("c", "checkpoint", "queued", "proving", 1_000));
    activity.observe(transition("c", "checkpoint", "proving", "publishing", 1_250));
    expect(activity.provingDurations()).toEqual({
      "cl-stf": { p50Ms: 1_000, p95Ms: 1_900, samples: 20 },
      checkpoint: { p50Ms: 250, p95Ms: 250, samples: 1 },
    });
  });

  it("keeps the last 200 proofs of a kind", () => {
    const activity = new RecentActivity(() => 0);
    for (let i = 1; i <= 250; i++) {
      activity.observe(transition(`t${i}`, "evm-ee-stf", "queued", "proving", 0));
      activity.observe(transition(`t${i}`, "evm-ee-stf", "proving", "completed", i));
    }
    expect(activity.provingDurations()["evm-ee-stf"]).toEqual({ p50Ms: 150, p95Ms: 240, samples: 200 });
  });

  it("counts completions of the last minute", () => {
    let now = 0;
    const activity = new RecentActivity(() => now);
    activity.observe(transition("a", "cl-stf", "proving", "completed", 0));
    activity.observe(transition("b", "cl-stf", "publishing", "completed", 30_000));
    now = 30_000;
    expect(activity.throughputPerMinute()).toBe(2);
    now = 60_001;
    expect(activity.throughputPerMinute()).toBe(1);
    now = 90_001;
    expect(activity.throughputPerMinute()).toBe(0);
  });
});
