import {
  isStepFailure,
  type ProverService,
  type StatusSummary,
  type TaskPhase,
  type TaskTransition,
} from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import type { ProofSummary } from "@paas/zkvm";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { boundedRead } from "./bounded-read.js";
import { CheckpointMetrics } from "./checkpoint-metrics.js";

type ReadSource = Pick<
  ProverService,
  "summary" | "backends" | "kinds" | "pluginReports" | "provingLoad" | "lastCompletedAt"
>;

const PHASES: readonly TaskPhase[] = ["resolve", "prove", "publish"];

/**
 * Prometheus metrics of one prover client: task counts by kind, backend and status (read from the
 * database at scrape time, so they are right after a restart), transitions, retries, failures,
 * proving duration per kind, the checkpoint gauges (`CheckpointMetrics`), and Node's standard
 * process metrics under their usual names. Served on GET /metrics.
 */
/** Proof starts remembered for `paas_proving_duration_seconds`. */
const MAX_PROVING_TRACKED = 10_000;

export class ProverMetrics {
  readonly registry = new Registry();
  private readonly provingSince = new Map<string, number>();
  private readonly transitions: Counter<"kind" | "backend" | "to">;
  private readonly retries: Counter<"kind" | "backend" | "phase">;
  private readonly failures: Counter<"kind" | "backend" | "phase">;
  private readonly provingDuration: Histogram<"kind" | "backend" | "outcome">;
  private readonly guestDuration: Histogram<"program">;
  private readonly checkpoints: CheckpointMetrics;
  private service: ReadSource | undefined;
  /** The task counts of the scrape under way, read once for all the gauges that show them. */
  private scrapeSummary: Promise<StatusSummary | undefined> | undefined;

  /** Counters exist from the start, so transitions made while the service recovers are counted. */
  constructor(startedAt = Date.now()) {
    // No prefix: `process_cpu_user_seconds_total`, `nodejs_eventloop_lag_seconds`… as every
    // Node.js dashboard expects them.
    collectDefaultMetrics({ register: this.registry });
    this.checkpoints = new CheckpointMetrics(this.registry, {
      startedAt,
      // Not bounded here: core gives each plugin's report its own deadline, within a scrape's.
      report: async () => (await this.service?.pluginReports())?.[CHECKPOINT.kind],
      lastAcceptedAt: () => boundedRead(() => this.service?.lastCompletedAt(CHECKPOINT.kind)),
    });
    const registers = [this.registry];
    this.transitions = new Counter({
      name: "paas_task_transitions_total",
      help: "Committed task transitions, by the status entered",
      labelNames: ["kind", "backend", "to"],
      registers,
    });
    this.retries = new Counter({
      name: "paas_task_retries_total",
      help: "Transient failures scheduled for retry, by the step that failed",
      labelNames: ["kind", "backend", "phase"],
      registers,
    });
    this.failures = new Counter({
      name: "paas_task_failures_total",
      help: "Tasks that failed permanently, by the step that failed",
      labelNames: ["kind", "backend", "phase"],
      registers,
    });
    this.provingDuration = new Histogram({
      name: "paas_proving_duration_seconds",
      // A claim beyond the free slots (prefetch) is `proving` while its input waits for one.
      help: "Time in `proving` (input fetch, the wait for a slot, the proof), by how it ended",
      labelNames: ["kind", "backend", "outcome"],
      // Up to hours: a remote zkVM proof takes as long as its kind's prove_timeout_ms lets it (the
      // README's example: 30 min), and past the last bound Prometheus answers that bound, so a
      // median of 25 min proofs read 15 min.
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200],
      registers,
    });
    this.guestDuration = new Histogram({
      name: "paas_guest_duration_seconds",
      help: "Time the guest ran in a native host worker, by program",
      labelNames: ["program"],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    // Read at scrape time; a database that does not answer (PostgreSQL restarting) leaves these
    // counts out of that scrape rather than failing all of it: a failed scrape is `up == 0`
    // ("is it running?") and takes the process and checkpoint series with it. /ready says why.
    // One read per scrape (`render`), shared by the gauges below: `paas_task_database_up` then says
    // whether the counts served beside it were read (three reads could each fail or not on their own).
    const summary = (): Promise<StatusSummary | undefined> => this.scrapeSummary ?? this.readSummary();
    const backends = (): readonly string[] => this.service?.backends() ?? [];
    const load = () => this.service?.provingLoad() ?? [];
    new Gauge({
      name: "paas_tasks",
      help: "Tasks by kind, backend and status, read from the task database (the whole cluster's)",
      labelNames: ["kind", "backend", "status"],
      registers,
      async collect() {
        this.reset();
        for (const row of (await summary())?.rows ?? []) {
          this.set({ kind: row.kind, backend: row.backend, status: row.status }, row.count);
        }
      },
    });
    new Gauge({
      name: "paas_tasks_waiting",
      help: 'Of paas_tasks{status="transient_failure"}, the tasks waiting for the chain (no retry used up), by kind and backend',
      labelNames: ["kind", "backend"],
      registers,
      async collect() {
        this.reset();
        // One series beside each `transient_failure` one, 0 when none waits: the failures retried
        // are then `paas_tasks{status="transient_failure"} - ignoring(status) paas_tasks_waiting`,
        // which a series missing at 0 would leave empty.
        for (const row of (await summary())?.rows ?? []) {
          if (row.status === "transient_failure") {
            this.set({ kind: row.kind, backend: row.backend }, row.waiting ?? 0);
          }
        }
      },
    });
    new Gauge({
      name: "paas_task_database_up",
      help: "1 when the task database answered this scrape's read of task counts, 0 when it did not",
      registers,
      async collect() {
        this.set((await summary()) === undefined ? 0 : 1);
      },
    });
    new Gauge({
      name: "paas_queue_depth",
      help: "Tasks queued, not yet claimed by any instance, by backend (the whole cluster's)",
      labelNames: ["backend"],
      registers,
      async collect() {
        this.reset();
        const read = await summary();
        if (read === undefined) return;
        const depth = new Map<string, number>(backends().map((b) => [b, 0]));
        for (const row of read.rows) {
          if (row.status === "queued") depth.set(row.backend, (depth.get(row.backend) ?? 0) + row.count);
        }
        for (const [backend, count] of depth) this.set({ backend }, count);
      },
    });
    new Gauge({
      name: "paas_proving_slots",
      help: "This instance's proving slots by backend: in use (busy) and in total (capacity)",
      labelNames: ["backend", "state"],
      registers,
      collect() {
        this.reset();
        for (const slot of load()) {
          this.set({ backend: slot.backend, state: "busy" }, slot.busy);
          this.set({ backend: slot.backend, state: "capacity" }, slot.capacity);
        }
      },
    });
    new Gauge({
      name: "paas_prefetched_inputs",
      help: "Claimed tasks whose input is fetched and waits for a proving slot, by backend",
      labelNames: ["backend"],
      registers,
      collect() {
        this.reset();
        for (const slot of load()) this.set({ backend: slot.backend }, slot.waiting);
      },
    });
  }

  /**
   * Where the task gauges read their counts from. The retry and failure counters start at 0 for
   * every kind, backend and phase: a series that first appears at 1 shows no `increase()` to
   * Prometheus, so an alert on failures would miss the first one after each start.
   */
  readFrom(service: ReadSource): void {
    this.service = service;
    for (const kind of service.kinds()) {
      for (const backend of service.backends()) {
        for (const phase of PHASES) {
          this.retries.inc({ kind, backend, phase }, 0);
          this.failures.inc({ kind, backend, phase }, 0);
        }
      }
    }
  }

  observeProof(summary: ProofSummary): void {
    this.guestDuration.observe({ program: summary.program }, summary.guestMs / 1_000);
  }

  observe(t: TaskTransition): void {
    this.checkpoints.observe(t);
    // Each label set written out: properties after a spread are slow on Node 20 (~1 µs apiece),
    // and this runs on every transition.
    this.transitions.inc({ kind: t.kind, backend: t.backend, to: t.to });
    if (t.to === "proving") {
      this.provingSince.set(t.id, t.at);
      // A task taken over or cancelled by another instance leaves proving where this one never
      // sees it; forget the oldest starts, far more than this instance ever proves at once.
      if (this.provingSince.size > MAX_PROVING_TRACKED) {
        this.provingSince.delete(this.provingSince.keys().next().value as string);
      }
    }
    if (t.from === "proving") {
      const since = this.provingSince.get(t.id);
      this.provingSince.delete(t.id);
      if (since !== undefined)
        this.provingDuration.observe(
          { kind: t.kind, backend: t.backend, outcome: t.to },
          (t.at - since) / 1_000,
        );
    }
    if (isStepFailure(t)) {
      const phase = t.from === "publishing" ? "publish" : t.from === "proving" ? "prove" : "resolve";
      (t.to === "transient_failure" ? this.retries : this.failures).inc({
        kind: t.kind,
        backend: t.backend,
        phase,
      });
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.scrapeSummary = this.readSummary();
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } finally {
      this.scrapeSummary = undefined;
    }
  }

  /** The task counts, or undefined when the database does not answer in time (or the service is not read yet). */
  private readSummary(): Promise<StatusSummary | undefined> {
    return boundedRead(() => this.service?.summary());
  }
}
