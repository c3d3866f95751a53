/**
 * What the plugin knows about the CL's checkpoints, kept in memory by the runner and the publication
 * step so `report()` costs nothing. Nothing here decides what to prove: the runner's position comes
 * from the CL and the task store on every tick.
 */
// A type alias, not an interface: core's `report()` returns a record, which interfaces are not.
export type CheckpointReport = {
  /**
   * "on": this instance runs it; "elsewhere": on, but run by the instance elected for the cluster's
   * once-per-cluster services, not this one (or none is elected right now); "off" (settings `runner`).
   */
  readonly runner: "on" | "off" | "elsewhere";
  /** The CL's latest checkpoint (last closed epoch), as of `polledAt`; null while none exists. */
  readonly latestCheckpoint: number | null;
  /** The CL's lowest checkpoint without an accepted proof, as of `polledAt`; null when all are proven. */
  readonly nextUnproven: number | null;
  /** The highest checkpoint this process created a task for (runner or RPC). */
  readonly lastSubmitted: number | null;
  /**
   * The highest checkpoint whose proof the CL took ("accepted" or "already-proven"): published by
   * this process, or a checkpoint task completed by any instance (its publication is part of it).
   */
  readonly lastAccepted: number | null;
  /** Checkpoints the runner passed over: failed permanently, cancelled, or proven but not published. */
  readonly failed: readonly number[];
  /**
   * Why each of them is stuck, and when the runner resubmits it (none: left to an operator). With
   * the runner elsewhere, the ones the task database shows failed or cancelled, without its schedule.
   */
  readonly stuck: readonly StuckCheckpoint[];
  /**
   * Runner ticks that failed (e.g. the CL was down); each next tick tries again. Null with the
   * runner elsewhere: its count is in its instance's memory, and a 0 here said it had none.
   */
  readonly runnerErrors: number | null;
  /**
   * While the runner's ticks fail (this instance's runner): since the first of them, how many in a
   * row, and when it tries next (sooner if a checkpoint task finishes). Null while they succeed, and
   * with the runner elsewhere. The error count alone did not tell a CL down a minute from one down a day.
   */
  readonly outage: RunnerOutage | null;
  /**
   * What is wrong right now and needs a person, shown by the progress view above everything else
   * (where a narrow terminal does not cut it): the runner's ticks failing (until the CL answers
   * again), and checkpoints stuck that the runner will not submit again (cancelled, out of
   * retries), on which the CL waits. Null when nothing is.
   */
  readonly attention: string | null;
  readonly lastError: string | null;
  /** ISO time of the last successful poll of the CL. */
  readonly polledAt: string | null;
};

export type RunnerOutage = {
  /** ISO time of the first failed tick of this outage. */
  readonly since: string;
  readonly failedTicks: number;
  /** ISO time of the next tick. */
  readonly nextTryAt: string;
};

export type StuckCheckpoint = {
  readonly index: number;
  /** "completed": proven, but publishing the proof again failed or was rejected (the CL lost it and does not take it now). */
  readonly status: "permanent_failure" | "cancelled" | "completed";
  readonly error: string;
  /** ISO time of the runner's next resubmission (or publication); absent when it will not (cancelled, or out of retries). */
  readonly retryAt?: string;
  /** Resubmissions the runner made so far; absent when read by an instance that does not run it. */
  readonly retries?: number;
};

export class CheckpointFacts {
  runner: "on" | "off" | "elsewhere" = "off";
  latestCheckpoint: number | null = null;
  nextUnproven: number | null = null;
  lastSubmitted: number | null = null;
  lastAccepted: number | null = null;
  readonly stuck = new Map<number, StuckCheckpoint>();
  /**
   * Stored proofs the CL rejected when the runner published them again, with its reason: the runner
   * leaves them to an operator until one of them is accepted (`paas_proveCheckpoint` publishes it).
   */
  readonly rejectedProofs = new Map<number, string>();
  /**
   * Completed checkpoints above the CL's next unproven one that the CL said are proven (a later one
   * completed before a lower one): the runner does not ask about them again while the CL keeps its
   * proofs.
   */
  readonly knownProven = new Set<number>();
  /** Every checkpoint below this one was proven as of the last poll (the CL's next unproven one). */
  provenBelow: number | undefined;
  runnerErrors = 0;
  lastError: string | null = null;
  /** The error of the failing tick, until a poll succeeds. */
  private failing: string | null = null;
  /** Since when ticks fail and when the runner tries next, until a poll succeeds. */
  private outage: RunnerOutage | null = null;
  /** Epoch milliseconds of the last successful poll, or undefined before the first. */
  polledAtMs: number | undefined;

  polled(latest: number | null, next: number | null, at: number): void {
    this.latestCheckpoint = latest;
    this.nextUnproven = next;
    this.polledAtMs = at;
    this.failing = null;
    this.outage = null;
    this.passed(next ?? (latest ?? -1) + 1);
  }

  /**
   * The CL's next unproven checkpoint is `floor`. What lies below it is proven and never visited
   * again, so it is forgotten: kept, every checkpoint that completed out of order stayed in
   * `knownProven` for as long as the process ran. A CL that lists as unproven a checkpoint it had
   * passed or said was proven lost proofs (a devnet restarted without its data): nothing it said
   * before can be trusted, or the runner would stall on a checkpoint it never asks about again.
   */
  private passed(floor: number): void {
    if ((this.provenBelow !== undefined && floor < this.provenBelow) || this.knownProven.has(floor)) {
      this.knownProven.clear();
    }
    this.provenBelow = floor;
    forgetBelow(floor, this.knownProven);
    forgetBelow(floor, this.rejectedProofs);
  }

  submitted(index: number): void {
    this.lastSubmitted = Math.max(this.lastSubmitted ?? index, index);
  }

  accepted(index: number): void {
    this.completed(index);
    this.stuck.delete(index);
    this.rejectedProofs.delete(index);
  }

  /**
   * A checkpoint task the task database shows completed, by whichever instance: its proof was
   * published then. What the runner knows of it now (stuck: the CL lost the proof since) stays.
   */
  completed(index: number): void {
    this.lastAccepted = Math.max(this.lastAccepted ?? index, index);
  }

  /** A failed tick; `outage` in epoch milliseconds, as the runner's clock tells it. */
  error(message: string, outage?: { since: number; failedTicks: number; nextTryAt: number }): void {
    this.runnerErrors++;
    this.lastError = message;
    this.failing = message;
    if (outage !== undefined) {
      this.outage = {
        since: new Date(outage.since).toISOString(),
        failedTicks: outage.failedTicks,
        nextTryAt: new Date(outage.nextTryAt).toISOString(),
      };
    }
  }

  private attention(): string | null {
    const parts: string[] = [];
    if (this.failing !== null) {
      // The times first: the progress view clips a long error, and they are what tells how bad it is.
      const when = this.outage && ` (since ${this.outage.since}, next try at ${this.outage.nextTryAt})`;
      parts.push(`the runner cannot follow the CL${when ?? ""}: ${this.failing}`);
    }
    const waiting = [...this.stuck.values()]
      .filter((s) => s.retryAt === undefined)
      .sort((a, b) => a.index - b.index)
      .map((s) => `${s.index} (${s.status})`);
    if (waiting.length > 0) {
      parts.push(
        `${waiting.length === 1 ? "checkpoint" : "checkpoints"} ${waiting.join(", ")} ${waiting.length === 1 ? "waits" : "wait"} for an operator: fix the cause, then paas_proveCheckpoint`,
      );
    }
    return parts.length === 0 ? null : parts.join("; ");
  }

  snapshot(): CheckpointReport {
    return {
      runner: this.runner,
      latestCheckpoint: this.latestCheckpoint,
      nextUnproven: this.nextUnproven,
      lastSubmitted: this.lastSubmitted,
      lastAccepted: this.lastAccepted,
      failed: [...this.stuck.keys()].sort((a, b) => a - b),
      stuck: [...this.stuck.values()].sort((a, b) => a.index - b.index),
      runnerErrors: this.runnerErrors,
      outage: this.outage,
      attention: this.attention(),
      lastError: this.lastError,
      polledAt: this.polledAtMs === undefined ? null : new Date(this.polledAtMs).toISOString(),
    };
  }
}

/** Drops the checkpoints below `floor` from a set or map keyed by checkpoint index. */
export function forgetBelow(floor: number, indices: Set<number> | Map<number, unknown>): void {
  for (const index of indices.keys()) if (index < floor) indices.delete(index);
}
