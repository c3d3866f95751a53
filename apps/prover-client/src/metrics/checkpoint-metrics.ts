import type { TaskTransition } from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import { Counter, Gauge, type Registry } from "prom-client";

/** What the checkpoint plugin's `report()` says about the CL (see @paas/plugin-checkpoint's facts). */
interface ClCheckpointFacts {
  readonly latestCheckpoint?: number | null;
  readonly nextUnproven?: number | null;
  /** Null until the plugin has heard from the CL. */
  readonly polledAt?: string | null;
}

/** A reading: -1 when there is none (no checkpoint yet, none accepted), NaN while the CL is unheard of. */
interface Reading {
  readonly latest: number;
  readonly accepted: number;
}

export interface CheckpointMetricsSources {
  /** The checkpoint plugin's report, or undefined when the plugin is not loaded. */
  readonly report: () => Promise<Readonly<Record<string, unknown>> | undefined>;
  /** When the prover client started: "since the last acceptance" counts from here until there is one. */
  readonly startedAt: number;
  readonly now?: () => number;
}

/**
 * Whether checkpoints keep being accepted: the CL's latest checkpoint, the last one accepted, how
 * far behind that is, how long since an acceptance, and failed submissions. The gauges an alert on
 * a stuck prover needs (see deploy/prometheus-alerts.yml).
 *
 * Acceptance is seen two ways: this process's checkpoint tasks completing (their publication is
 * the CL's acceptance), and the CL's own next unproven checkpoint, which also covers what was
 * accepted before a restart. An index is -1 when there is none, and NaN while the CL has not been
 * heard from (an alert comparing NaN never fires).
 */
export class CheckpointMetrics {
  private lastAccepted: { index: number; at: number } | undefined;
  private readonly submissionFailures: Counter<"outcome">;

  constructor(registry: Registry, sources: CheckpointMetricsSources) {
    const registers = [registry];
    const now = sources.now ?? Date.now;
    this.submissionFailures = new Counter({
      name: "paas_checkpoint_submission_failures_total",
      help: "Checkpoint proofs the CL did not take: retried (transient) or given up on (permanent)",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["transient", "permanent"]) this.submissionFailures.inc({ outcome }, 0);
    // One reading of the report per scrape, shared by the gauges (a scrape collects them all at
    // once): the lag is then the difference of the very values the other two gauges show.
    let reading: Promise<Reading> | undefined;
    const facts = () => {
      reading ??= this.read(sources).finally(() => {
        reading = undefined;
      });
      return reading;
    };
    new Gauge({
      name: "paas_checkpoint_cl_latest_index",
      help: "The CL's latest checkpoint (its last closed epoch); -1 before the first",
      registers,
      async collect() {
        this.set((await facts()).latest);
      },
    });
    new Gauge({
      name: "paas_checkpoint_last_accepted_index",
      help: "The highest checkpoint whose proof the CL has accepted; -1 before the first",
      registers,
      async collect() {
        this.set((await facts()).accepted);
      },
    });
    new Gauge({
      name: "paas_checkpoint_lag",
      help: "Checkpoints the CL has that are not accepted yet (latest minus last accepted)",
      registers,
      async collect() {
        const { latest, accepted } = await facts();
        this.set(latest - accepted);
      },
    });
    const lastAccepted = () => this.lastAccepted;
    new Gauge({
      name: "paas_checkpoint_seconds_since_last_acceptance",
      help: "Seconds since this process last had a checkpoint accepted (since it started, before the first)",
      registers,
      collect() {
        this.set((now() - (lastAccepted()?.at ?? sources.startedAt)) / 1_000);
      },
    });
  }

  private async read(sources: CheckpointMetricsSources): Promise<Reading> {
    const report = (await sources.report()) as ClCheckpointFacts | undefined;
    const mine = this.lastAccepted?.index ?? -1;
    if (report?.polledAt == null) return { latest: Number.NaN, accepted: mine >= 0 ? mine : Number.NaN };
    const latest = report.latestCheckpoint ?? -1;
    // Everything below the CL's next unproven checkpoint is accepted; with none unproven, all are.
    const fromCl = report.nextUnproven == null ? latest : report.nextUnproven - 1;
    return { latest, accepted: Math.max(fromCl, mine) };
  }

  observe(t: TaskTransition): void {
    if (t.kind !== CHECKPOINT.kind) return;
    const index = Number(t.context.index);
    if (t.from === "publishing" && t.to === "completed" && Number.isSafeInteger(index)) {
      if (this.lastAccepted === undefined || index >= this.lastAccepted.index)
        this.lastAccepted = { index, at: t.at };
    }
    if (t.from === "publishing" && (t.to === "transient_failure" || t.to === "permanent_failure")) {
      this.submissionFailures.inc({ outcome: t.to === "transient_failure" ? "transient" : "permanent" });
    }
  }
}
