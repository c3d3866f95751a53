import { isStepFailure, type TaskTransition } from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import { Counter, Gauge, type Registry } from "prom-client";

/** What the checkpoint plugin's `report()` says about the CL (see @paas/plugin-checkpoint's facts). */
interface ClCheckpointFacts {
  readonly latestCheckpoint?: number | null;
  readonly nextUnproven?: number | null;
  /** Null until the plugin has heard from the CL. */
  readonly polledAt?: string | null;
  /** The highest checkpoint whose task completed, by any instance (read from the task database). */
  readonly lastAccepted?: number | null;
}

/** A reading: -1 when there is none (no checkpoint yet, none accepted), NaN while the CL is unheard of. */
interface Reading {
  readonly latest: number;
  readonly accepted: number;
  /** The CL's lowest checkpoint without an accepted proof (latest + 1 when there is none). */
  readonly nextUnproven: number;
  /** Whether the CL answered lately: a view it no longer refreshes says nothing about moves since. */
  readonly fresh: boolean;
  /**
   * Epoch milliseconds of the CL's last answer to this instance; undefined before the first, NaN
   * without the checkpoint plugin (nothing here asks the CL, and its silence is no outage).
   */
  readonly polledAt: number | undefined;
}

export interface CheckpointMetricsSources {
  /** The checkpoint plugin's report, or undefined when the plugin is not loaded. */
  readonly report: () => Promise<Readonly<Record<string, unknown>> | undefined>;
  /**
   * When a checkpoint task last completed (its publication: the CL's acceptance), as the task
   * database records it for the whole cluster and across restarts; undefined when none is kept.
   */
  readonly lastAcceptedAt: () => Promise<number | undefined>;
  /** When the prover client started: the clocks count from here when nothing earlier is known. */
  readonly startedAt: number;
  readonly now?: () => number;
}

/** A CL view older than this (the CL stopped answering this instance) no longer times its index. */
const STALE_VIEW_MS = 60_000;

/**
 * Whether checkpoints keep being accepted: the CL's latest checkpoint, the last one accepted, how
 * far behind that is, how long since an acceptance, and failed submissions. The gauges an alert on
 * a stuck prover needs (see deploy/prometheus-alerts.yml).
 *
 * Acceptance is seen three ways: this process's checkpoint tasks completing (their publication is
 * the CL's acceptance), the checkpoint plugin's `lastAccepted` (any instance's completed checkpoint
 * tasks, from the task database), and the CL's own next unproven checkpoint, which also covers what
 * was accepted before a restart. An index is -1 when there is none, and NaN while the CL has not been
 * heard from (an alert comparing NaN never fires).
 *
 * The two clocks never claim more time than has passed, so a cluster takes the largest over its
 * instances: one that restarts often (a crash loop) shows less, and must not hide a stuck cluster
 * from the others, as it did when its clocks, counting from its own start, were the smallest. The
 * last acceptance is the task database's (every instance's, kept across restarts); how long the
 * next unproven checkpoint stood still, what this process saw, and NaN without a fresh CL view.
 */
export class CheckpointMetrics {
  private lastAccepted: { index: number; at: number } | undefined;
  /**
   * The CL's next unproven checkpoint as last read (whether every checkpoint was proven then), and
   * since when it has been that one.
   */
  private nextUnproven: { index: number; allProven: boolean; since: number } | undefined;
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
      reading ??= this.read(sources, now()).finally(() => {
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
    // Acceptances above a checkpoint that is stuck (failed, cancelled) keep the lag small and the
    // last acceptance recent; the CL's next unproven checkpoint standing still says it is stuck.
    new Gauge({
      name: "paas_checkpoint_cl_next_unproven_index",
      help: "The CL's lowest checkpoint without an accepted proof; its latest + 1 when every one has one",
      registers,
      async collect() {
        this.set((await facts()).nextUnproven);
      },
    });
    const nextUnproven = () => this.nextUnproven;
    new Gauge({
      name: "paas_checkpoint_seconds_since_next_unproven_moved",
      help: "Seconds the CL's next unproven checkpoint has stayed the same, as far as this process saw (since it started, at most); NaN without a fresh view of the CL",
      registers,
      async collect() {
        const { fresh } = await facts();
        this.set(fresh ? (now() - (nextUnproven()?.since ?? sources.startedAt)) / 1_000 : Number.NaN);
      },
    });
    // A CL that stopped answering showed in no other gauge until checkpoints piled up behind it,
    // and not at all while none was waiting: how long it has been silent says so at once. The
    // runner's polls keep the report's view fresh; where it runs elsewhere, the report's own.
    new Gauge({
      name: "paas_checkpoint_seconds_since_cl_answered",
      help: "Seconds since the CL last answered this instance's checkpoint polls (since this process started, before it first did)",
      registers,
      async collect() {
        this.set((now() - ((await facts()).polledAt ?? sources.startedAt)) / 1_000);
      },
    });
    const lastAccepted = () => this.lastAccepted;
    // The last acceptance the database told of, kept: a scrape it does not answer (it is down, which
    // its own alert says) still knows of it, instead of counting from this process's start, days
    // back, which fired PaasCheckpointStuck minutes after an acceptance.
    let recorded: number | undefined;
    new Gauge({
      name: "paas_checkpoint_seconds_since_last_acceptance",
      help: "Seconds since the task database last recorded a checkpoint accepted, by any instance (since this process started, before one)",
      registers,
      async collect() {
        const read = await sources.lastAcceptedAt().catch(() => undefined);
        if (read !== undefined) recorded = Math.max(read, recorded ?? read);
        const known = [recorded, lastAccepted()?.at].filter((at) => at !== undefined);
        this.set((now() - (known.length > 0 ? Math.max(...known) : sources.startedAt)) / 1_000);
      },
    });
  }

  private async read(sources: CheckpointMetricsSources, now: number): Promise<Reading> {
    const report = (await sources.report()) as ClCheckpointFacts | undefined;
    // This process's, or the cluster's as the report read it: an instance that proves no
    // checkpoint showed only the CL's next unproven one less one, below the ones accepted above a
    // stuck checkpoint, and a lag the cluster does not have.
    const mine = Math.max(this.lastAccepted?.index ?? -1, report?.lastAccepted ?? -1);
    if (report?.polledAt == null) {
      return {
        latest: Number.NaN,
        accepted: mine >= 0 ? mine : Number.NaN,
        nextUnproven: Number.NaN,
        fresh: false,
        polledAt: report === undefined ? Number.NaN : undefined,
      };
    }
    const polledAt = Date.parse(report.polledAt);
    const fresh = !(polledAt < now - STALE_VIEW_MS);
    const latest = report.latestCheckpoint ?? -1;
    // Everything below the CL's next unproven checkpoint is accepted; with none unproven, all are.
    const allProven = report.nextUnproven == null;
    const nextUnproven = report.nextUnproven ?? latest + 1;
    // With every checkpoint proven, the next one to appear has the index already shown: its
    // appearing starts the clock, as a move of the index does.
    const seen = this.nextUnproven;
    if (seen === undefined) this.nextUnproven = { index: nextUnproven, allProven, since: sources.startedAt };
    else if (seen.index !== nextUnproven || seen.allProven !== allProven) {
      this.nextUnproven = { index: nextUnproven, allProven, since: now };
    }
    return { latest, accepted: Math.max(nextUnproven - 1, mine), nextUnproven, fresh, polledAt };
  }

  observe(t: TaskTransition): void {
    if (t.kind !== CHECKPOINT.kind) return;
    const index = Number(t.context.index);
    if (t.from === "publishing" && t.to === "completed" && Number.isSafeInteger(index)) {
      if (this.lastAccepted === undefined || index >= this.lastAccepted.index)
        this.lastAccepted = { index, at: t.at };
    }
    // Waiting for the CL to have the checkpoint (a CL behind the one that closed it) is no refusal.
    if (t.from === "publishing" && isStepFailure(t)) {
      this.submissionFailures.inc({ outcome: t.to === "transient_failure" ? "transient" : "permanent" });
    }
  }
}
