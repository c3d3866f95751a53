/**
 * GET /metrics while the task database does not answer (PostgreSQL restarting, unreachable): the
 * counts read from it are left out, and everything else is still served, so Prometheus keeps
 * scraping the instance (no `up == 0`, no PaasProverDown "is it running?") and the process and
 * checkpoint series do not vanish in the middle of the incident.
 */
import type { StatusSummary, TaskStatusName, TaskTransition } from "@paas/core";
import { describe, expect, it } from "vitest";
import { ProverMetrics } from "../src/metrics/prover-metrics.js";

function serviceWith(summary: () => Promise<StatusSummary>) {
  return {
    summary,
    backends: () => ["native"],
    kinds: () => ["checkpoint"],
    pluginReports: async () => ({}),
    provingLoad: () => [{ backend: "native", busy: 1, capacity: 2, waiting: 0 }],
  } as unknown as Parameters<ProverMetrics["readFrom"]>[0];
}

describe("/metrics when the task database fails", () => {
  it("still serves the process, slot and checkpoint metrics, without the database's counts", async () => {
    const metrics = new ProverMetrics();
    metrics.readFrom(serviceWith(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"))));
    const { body } = await metrics.render();
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^paas_proving_slots\{backend="native",state="busy"\} 1$/m);
    expect(body).toMatch(/^paas_checkpoint_seconds_since_last_acceptance /m);
    expect(body).not.toMatch(/^paas_tasks\{/m);
    expect(body).not.toMatch(/^paas_queue_depth\{/m);
    // What an alert can watch: the scrape succeeds, and says the database did not answer.
    expect(body).toMatch(/^paas_task_database_up 0$/m);
  });

  it("serves the counts again once the database answers", async () => {
    let up = false;
    const metrics = new ProverMetrics();
    metrics.readFrom(
      serviceWith(async () => {
        if (!up) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        return {
          total: 3,
          byStatus: {} as StatusSummary["byStatus"],
          waiting: 0,
          rows: [{ kind: "checkpoint", backend: "native", status: "queued", count: 3 }],
        } as StatusSummary;
      }),
    );
    await metrics.render();
    up = true;
    const { body } = await metrics.render();
    expect(body).toMatch(/^paas_tasks\{kind="checkpoint",backend="native",status="queued"\} 3$/m);
    expect(body).toMatch(/^paas_queue_depth\{backend="native"\} 3$/m);
    expect(body).toMatch(/^paas_task_database_up 1$/m);
  });
});

describe("proving duration", () => {
  const transition = (
    id: string,
    from: TaskStatusName | null,
    to: TaskStatusName,
    at: number,
  ): TaskTransition => ({
    id,
    kind: "evm-ee-stf",
    backend: "native",
    context: { kind: "evm-ee-stf" },
    from,
    to,
    at,
    retryCount: 0,
  });

  it("remembers a bounded number of proofs started, for tasks that leave proving on another instance", async () => {
    const metrics = new ProverMetrics();
    // Tasks this instance started proving, then taken over or cancelled elsewhere: it never sees them leave.
    for (let i = 0; i < 10_001; i++) metrics.observe(transition(`lost-${i}`, "queued", "proving", 0));
    metrics.observe(transition("recent", "queued", "proving", 1_000));
    metrics.observe(transition("recent", "proving", "completed", 3_000));
    // The oldest start is forgotten: its late end is not observed with a made-up duration.
    metrics.observe(transition("lost-0", "proving", "completed", 5_000));
    const { body } = await metrics.render();
    expect(body).toMatch(
      /^paas_proving_duration_seconds_count\{kind="evm-ee-stf",backend="native",outcome="completed"\} 1$/m,
    );
    expect(body).toMatch(
      /^paas_proving_duration_seconds_sum\{kind="evm-ee-stf",backend="native",outcome="completed"\} 2$/m,
    );
    expect(
      (metrics as unknown as { provingSince: Map<string, number> }).provingSince.size,
    ).toBeLessThanOrEqual(10_000);
  });
});

describe("HELP", () => {
  it("says what a series counts: the wait for a slot in proving, the cluster's counts", async () => {
    const metrics = new ProverMetrics();
    const { body } = await metrics.render();
    const help = (name: string) => new RegExp(`^# HELP ${name} (.*)$`, "m").exec(body)?.[1];
    expect(help("paas_proving_duration_seconds")).toContain("the wait for a slot");
    // Instances of one cluster serve the same values: `max`, not `sum` (README, "Metrics and alerts").
    expect(help("paas_tasks")).toContain("the whole cluster's");
    expect(help("paas_queue_depth")).toContain("the whole cluster's");
  });
});

describe("retries", () => {
  it("count transient failures, not a task's waits for the chain", async () => {
    const metrics = new ProverMetrics();
    metrics.readFrom(
      serviceWith(async () => ({ total: 0, byStatus: {}, rows: [] }) as unknown as StatusSummary),
    );
    const failed = (waiting: boolean): TaskTransition => ({
      id: "0".repeat(32),
      kind: "checkpoint",
      backend: "native",
      context: { kind: "checkpoint", index: 79 },
      from: "pending",
      to: "transient_failure",
      at: 0,
      retryCount: 0,
      error: "checkpoint 79 does not exist yet (the CL's latest is 73)",
      ...(waiting && { waiting: true }),
    });
    for (let i = 0; i < 5; i++) metrics.observe(failed(true));
    metrics.observe(failed(false));
    const { body } = await metrics.render();
    expect(body).toMatch(
      /^paas_task_retries_total\{kind="checkpoint",backend="native",phase="resolve"\} 1$/m,
    );
  });
});

describe("waits for the chain", () => {
  it("are served as a part of their status's count, 0 beside each count of transient failures", async () => {
    const metrics = new ProverMetrics();
    metrics.readFrom(
      serviceWith(async () => ({
        total: 6,
        byStatus: {} as StatusSummary["byStatus"],
        waiting: 3,
        rows: [
          { kind: "checkpoint", backend: "native", status: "transient_failure", count: 3, waiting: 3 },
          { kind: "evm-ee-stf", backend: "native", status: "transient_failure", count: 2 },
          { kind: "evm-ee-stf", backend: "native", status: "queued", count: 1 },
        ],
      })),
    );
    const { body } = await metrics.render();
    // The status's count keeps its meaning, waits included: dashboards and alerts read it so.
    expect(body).toMatch(/^paas_tasks\{kind="checkpoint",backend="native",status="transient_failure"\} 3$/m);
    expect(body).toMatch(/^paas_tasks_waiting\{kind="checkpoint",backend="native"\} 3$/m);
    expect(body).toMatch(/^paas_tasks_waiting\{kind="evm-ee-stf",backend="native"\} 0$/m);
    expect(body.match(/^paas_tasks_waiting\{/gm)).toHaveLength(2);
  });
});

describe("one scrape, one read of the task database", () => {
  it("says the database answered exactly when the counts it read are served", async () => {
    // A database that answers every other read (a PostgreSQL failover under way).
    let reads = 0;
    const metrics = new ProverMetrics();
    metrics.readFrom(
      serviceWith(async () => {
        reads++;
        if (reads % 2 === 1) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        return {
          total: 3,
          byStatus: {} as StatusSummary["byStatus"],
          waiting: 0,
          rows: [{ kind: "checkpoint", backend: "native", status: "queued", count: 3 }],
        } as StatusSummary;
      }),
    );
    for (let scrape = 0; scrape < 2; scrape++) {
      const before = reads;
      const { body } = await metrics.render();
      expect(reads - before).toBe(1);
      const up = /^paas_task_database_up (\d)$/m.exec(body)?.[1];
      expect(/^paas_tasks\{/m.test(body)).toBe(up === "1");
      expect(/^paas_queue_depth\{/m.test(body)).toBe(up === "1");
    }
  });
});
