import { readFileSync } from "node:fs";
import path from "node:path";
import type { TaskTransition } from "@paas/core";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CheckpointMetrics } from "../src/metrics/checkpoint-metrics.js";

/** The task database's record of the last acceptance, as every instance of a cluster reads it. */
interface Recorded {
  at?: number;
  /** The database does not answer: the read is refused. */
  down?: boolean;
}

function setUp(
  report: Record<string, unknown> | undefined,
  { startedAt = 40_000, recorded = {} as Recorded, now = 100_000 } = {},
) {
  const registry = new Registry();
  const clock = { now };
  const metrics = new CheckpointMetrics(registry, {
    report: async () => report,
    lastAcceptedAt: async () => {
      if (recorded.down) throw new Error("connection refused");
      return recorded.at;
    },
    startedAt,
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
      next: value("paas_checkpoint_cl_next_unproven_index"),
      nextStill: value("paas_checkpoint_seconds_since_next_unproven_moved"),
      clSilent: value("paas_checkpoint_seconds_since_cl_answered"),
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
    expect(await scrape()).toEqual({
      latest: Number.NaN,
      accepted: Number.NaN,
      lag: Number.NaN,
      since: 60,
      next: Number.NaN,
      nextStill: Number.NaN,
      clSilent: 60,
    });
  });

  it("say how long the CL has not answered this instance, also while no checkpoint waits for it", async () => {
    // Every checkpoint proven when the CL went away: no lag, no checkpoint standing still, so no
    // other gauge showed an outage, however long, until epochs closed behind it.
    const report = { latestCheckpoint: 7, nextUnproven: null, polledAt: new Date(99_000).toISOString() };
    const { clock, scrape } = setUp(report);
    expect(await scrape()).toMatchObject({ clSilent: 1, lag: 0 });
    clock.now += 600_000;
    expect(await scrape()).toMatchObject({ clSilent: 601, lag: 0, nextStill: Number.NaN });
    // Without the checkpoint plugin nothing asks the CL: its silence is no outage.
    expect(await setUp(undefined).scrape()).toMatchObject({ clSilent: Number.NaN });
  });

  it("do not time the next unproven checkpoint on a view of the CL it no longer refreshes", async () => {
    const report = { latestCheckpoint: 7, nextUnproven: 3, polledAt: new Date(99_000).toISOString() };
    const { clock, scrape } = setUp(report);
    expect(await scrape()).toMatchObject({ next: 3, nextStill: 60 });
    // The CL stopped answering this instance: 3 may have been proven since.
    clock.now += 120_000;
    expect(await scrape()).toMatchObject({ next: 3, nextStill: Number.NaN });
  });

  it("count the last acceptance from the task database: another instance's, or one before a restart", async () => {
    const { scrape } = setUp(
      { latestCheckpoint: 7, nextUnproven: 3, polledAt: "t" },
      { startedAt: 90_000, recorded: { at: 55_000 } },
    );
    expect(await scrape()).toMatchObject({ since: 45 });
  });

  it("keep counting from the last acceptance the database told of while it does not answer", async () => {
    const recorded: Recorded = { at: 55_000 };
    const { clock, scrape } = setUp(
      { latestCheckpoint: 7, nextUnproven: 3, polledAt: "t" },
      { startedAt: 0, recorded, now: 100_000 },
    );
    expect(await scrape()).toMatchObject({ since: 45 });
    recorded.down = true;
    clock.now += 30_000;
    // Not the 130 s since this process started: no acceptance is younger than the one it read.
    expect(await scrape()).toMatchObject({ since: 75 });
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
    expect(await scrape()).toMatchObject({ latest: 7, accepted: 5, lag: 2, since: 5, next: 3 });
  });

  it("take the acceptances of other instances, which the report reads from the task database", async () => {
    // This instance proves no checkpoint; another had 21 to 26 accepted above a stuck 20.
    const { scrape } = setUp({ latestCheckpoint: 26, nextUnproven: 20, lastAccepted: 26, polledAt: "t" });
    expect(await scrape()).toMatchObject({ latest: 26, accepted: 26, lag: 0, next: 20 });
  });

  it("show a checkpoint stuck below later accepted ones: the CL's next unproven one stands still", async () => {
    const report = { latestCheckpoint: 26, nextUnproven: 20, polledAt: "t" };
    const { metrics, clock, scrape } = setUp(report);
    // 21 to 26 accepted while 20 (cancelled, or out of retries) never is: lag and acceptance look fine.
    metrics.observe(published(26, 99_000));
    expect(await scrape()).toMatchObject({ accepted: 26, lag: 0, since: 1, next: 20, nextStill: 60 });
    clock.now += 900_000;
    expect(await scrape()).toMatchObject({ next: 20, nextStill: 960 });
    // Proven at last: the index moves, and the time counts from then.
    report.nextUnproven = 27;
    expect(await scrape()).toMatchObject({ next: 27, nextStill: 0 });
    clock.now += 5_000;
    expect(await scrape()).toMatchObject({ next: 27, nextStill: 5 });
  });

  it("start the stand-still clock when a checkpoint appears after all were proven", async () => {
    const report: { latestCheckpoint: number; nextUnproven: number | null; polledAt: string } = {
      latestCheckpoint: 5,
      nextUnproven: null,
      polledAt: "t",
    };
    const { clock, scrape } = setUp(report);
    expect(await scrape()).toMatchObject({ latest: 5, next: 6 });
    clock.now += 3_600_000;
    // An hour later checkpoint 6 appears: the index shown was 6 already, but it is new work.
    report.latestCheckpoint = 6;
    report.nextUnproven = 6;
    expect(await scrape()).toMatchObject({ latest: 6, next: 6, nextStill: 0 });
  });
});

/** How deploy/prometheus-alerts.yml aggregates `metric` over a cluster's instances. */
function clusterAggregate(metric: string): (values: number[]) => number {
  const rules = parse(
    readFileSync(path.join(import.meta.dirname, "../deploy/prometheus-alerts.yml"), "utf8"),
  ) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const expressions = rules.groups.flatMap((g) => g.rules.map((r) => r.expr)).join("\n");
  const found = [
    ...expressions.matchAll(new RegExp(`(max|min) without \\(instance\\) \\(${metric}\\)`, "g")),
  ];
  const aggregates = new Set(found.map((m) => m[1]));
  expect(aggregates.size).toBe(1);
  // Prometheus's min and max pass over NaN while another series has a value.
  return (values) => {
    const known = values.filter((v) => !Number.isNaN(v));
    if (known.length === 0) return Number.NaN;
    return aggregates.has("max") ? Math.max(...known) : Math.min(...known);
  };
}

describe("failed submissions", () => {
  it("count the CL's refusals and silences, not a wait for the CL to have the checkpoint", async () => {
    const registry = new Registry();
    const metrics = new CheckpointMetrics(registry, {
      report: async () => undefined,
      lastAcceptedAt: async () => undefined,
      startedAt: 0,
    });
    const failed = (error: string, waiting?: true): TaskTransition => ({
      ...published(4, 1_000),
      to: "transient_failure",
      error,
      ...(waiting && { waiting }),
    });
    metrics.observe(failed("the CL has no checkpoint 4 yet", true));
    metrics.observe(failed("cl_getCheckpointStatus: HTTP 503 from http://127.0.0.1:8545"));
    metrics.observe({ ...published(5, 2_000), to: "permanent_failure", error: "invalid proof" });
    const text = await registry.metrics();
    expect(text).toMatch(/^paas_checkpoint_submission_failures_total\{outcome="transient"\} 1$/m);
    expect(text).toMatch(/^paas_checkpoint_submission_failures_total\{outcome="permanent"\} 1$/m);
  });
});

describe("checkpoint gauges of a cluster, as the alert rules aggregate them", () => {
  it("show a stuck cluster though one instance restarts again and again", async () => {
    // Checkpoint 3 was accepted at 10 s and nothing since; the CL has had 4 unproven from the start.
    const report = { latestCheckpoint: 7, nextUnproven: 4, polledAt: "t" };
    const recorded = { at: 10_000 };
    const now = 1_000_000;
    const steady = setUp(report, { startedAt: 0, recorded, now });
    steady.metrics.observe(published(3, 10_000));
    const crashLooping = setUp(report, { startedAt: now - 50_000, recorded, now });
    const scrapes = [await steady.scrape(), await crashLooping.scrape()];
    const since = clusterAggregate("paas_checkpoint_seconds_since_last_acceptance");
    const still = clusterAggregate("paas_checkpoint_seconds_since_next_unproven_moved");
    // Both over the rules' 900 s: PaasCheckpointStuck and PaasCheckpointGap fire.
    expect(since(scrapes.map((s) => s.since))).toBe(990);
    expect(still(scrapes.map((s) => s.nextStill))).toBe(1_000);
  });
});
