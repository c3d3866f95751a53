import type { TaskTransition } from "@paas/core";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CheckpointMetrics } from "../src/metrics/checkpoint-metrics.js";

function setUp(report: Record<string, unknown> | undefined) {
  const registry = new Registry();
  const clock = { now: 100_000 };
  const metrics = new CheckpointMetrics(registry, {
    report: async () => report,
    startedAt: 40_000,
    now: () => clock.now,
  });
  const scrape = async () => {
    const text = await registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
    return {
      latest: value("paas_checkpoint_cl_latest_index"),
      accepted: value("paas_checkpoint_last_accepted_index"),
      lag: value("paas_checkpoint_lag"),
      since: value("paas_checkpoint_seconds_since_last_acceptance"),
    };
  };
  return { metrics, clock, scrape };
}

const published = (index: number, at: number): TaskTransition => ({
  id: `task-${index}`,
  kind: "checkpoint",
  backend: "native",
  context: { kind: "checkpoint", index },
  from: "publishing",
  to: "completed",
  at,
  retryCount: 0,
});

describe("checkpoint gauges", () => {
  it("are NaN while the CL is unheard of, so no alert compares them", async () => {
    const { scrape } = setUp({ latestCheckpoint: null, nextUnproven: null, polledAt: null });
    expect(await scrape()).toEqual({ latest: Number.NaN, accepted: Number.NaN, lag: Number.NaN, since: 60 });
  });

  it("say -1 for none, and count the lag from the CL's next unproven checkpoint", async () => {
    expect(await setUp({ latestCheckpoint: null, nextUnproven: null, polledAt: "t" }).scrape()).toMatchObject(
      {
        latest: -1,
        accepted: -1,
        lag: 0,
      },
    );
    expect(await setUp({ latestCheckpoint: 7, nextUnproven: 3, polledAt: "t" }).scrape()).toMatchObject({
      latest: 7,
      accepted: 2,
      lag: 5,
    });
  });

  it("take this process's acceptances, and time since the last one", async () => {
    const { metrics, clock, scrape } = setUp({ latestCheckpoint: 7, nextUnproven: 3, polledAt: "t" });
    metrics.observe(published(5, 90_000));
    clock.now = 95_000;
    expect(await scrape()).toEqual({ latest: 7, accepted: 5, lag: 2, since: 5 });
  });
});
