import type { Clock, ClockTimer } from "../contracts/clock.js";
import type { PluginLogger } from "../contracts/logger.js";
import type { BackgroundService } from "../contracts/plugin.js";
import type { InstanceInfo } from "../contracts/status.js";
import type { ClusterStore, InstanceRecord } from "../store/cluster-store.js";

/** `all` runs everything; a `worker` claims and proves but runs no once-per-cluster service. */
export type InstanceRole = "all" | "worker";

export interface MembershipOptions {
  readonly instance: InstanceRecord & { readonly role: InstanceRole };
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly log: PluginLogger;
  readonly onError: (error: unknown, context: string) => void;
  /** Called each time this instance's heartbeat commits: the task database takes its writes. */
  readonly onHeartbeat?: () => void;
  /**
   * This process is the database's only user (SQLite, locked): the rows and leases of other
   * instances were left by processes that are gone, and are dropped at the start, so a restart
   * after a crash runs the services at once instead of a lease period later.
   */
  readonly exclusive?: boolean;
  /** An earlier process of this instance, known dead: its row and service lease are dropped at the start. */
  readonly predecessor?: string;
  /**
   * A shared database's schema as this version knows it (its migrations' names). A heartbeat that
   * finds a migration it does not know (a newer version migrated the database under this running
   * instance) stops the services here and calls `onNewer` once, and beats no more: this version's
   * statements may no longer fit the tables. Checked before the heartbeat's own write, which may be
   * the first to fail.
   */
  readonly schema?: {
    readonly known: readonly string[];
    readonly onNewer: (migrations: readonly string[]) => void;
  };
}

/** The lease name the once-per-cluster services are elected under. */
const CLUSTER_SERVICES = "cluster-services";
/**
 * Counter shards of ended database sessions are folded every this many heartbeats, by the leader
 * and by every instance never elected.
 */
const FOLD_EVERY_HEARTBEATS = 30;

/**
 * This instance's membership of the cluster: its row in `instances` kept fresh, and the election
 * of the instance that runs the once-per-cluster services (the checkpoint runner). The leader
 * renews a lease row every third of a lease period; when it dies, another instance's next
 * heartbeat after the lease lapses wins, so services fail over within about one lease period. A
 * leader that has not renewed (the database is unreachable, or a call to it hangs) stops its
 * services shortly before its lease could lapse, by a timer of its own, so two instances do not
 * run them at once.
 */
export class ClusterMembership {
  private services: readonly BackgroundService[] = [];
  private leading = false;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the leader steps down unless a renewal comes first. */
  private deadline: ClockTimer | undefined;
  private beating: Promise<void> | undefined;
  private beats = 0;
  private closed = false;
  /** Counts step-downs: a renewal begun in an earlier term is not taken up. */
  private term = 0;
  /** The last start or stop of the services, which the next one waits for. */
  private changing: Promise<void> = Promise.resolve();
  /** A newer version migrated the database: this instance beats no more. */
  private outdated = false;
  /** When this instance's heartbeat last committed (its clock). */
  private wroteAt = 0;
  /** Why the last heartbeat failed, until one commits. */
  private failure: unknown;

  constructor(
    private readonly store: ClusterStore,
    private readonly options: MembershipOptions,
  ) {}

  /** Joins, and runs `services` whenever this instance is elected (never, for a worker). */
  async start(services: readonly BackgroundService[]): Promise<void> {
    this.services = services;
    if (this.options.exclusive) await this.store.forgetOthers(this.options.instance.id);
    else if (this.options.predecessor !== undefined) await this.store.leave(this.options.predecessor);
    await this.store.heartbeat(this.options.instance, this.options.clock.now(), this.options.leaseMs);
    this.wroteAt = this.options.clock.now();
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(10, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * How long ago this instance's heartbeat, a write every third of a lease, last committed, when
   * that is over a lease period; undefined while it keeps committing.
   */
  heartbeatOverdueMs(): number | undefined {
    const since = this.options.clock.now() - this.wroteAt;
    return since > this.options.leaseMs ? since : undefined;
  }

  /**
   * Why the heartbeat has not committed, while `heartbeatOverdueMs` says it has not: the error its
   * last try met (a full disk, a lost connection), or undefined when it met none (a try that hangs).
   */
  heartbeatFailure(): unknown {
    return this.heartbeatOverdueMs() === undefined ? undefined : this.failure;
  }

  /** Instances heard from within the last two of their lease periods. */
  instances(): Promise<InstanceInfo[]> {
    return this.store.live(this.options.clock.now(), this.options.leaseMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.deadline !== undefined) this.options.clock.clearTimeout(this.deadline);
    await this.beating;
    await this.stepDown();
    await this.store
      .leave(this.options.instance.id)
      .catch((error) => this.options.onError(error, "leaving the cluster"));
  }

  private beat(): Promise<void> {
    this.beating ??= this.runBeat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async runBeat(): Promise<void> {
    if (this.closed || this.outdated) return;
    const { instance, clock, leaseMs } = this.options;
    const now = clock.now();
    const term = this.term;
    // What fails after the heartbeat committed (the lease's renewal, a service's start) is no reason
    // it has not: kept as one, a heartbeat that hung later was said to have met it.
    let committed = false;
    try {
      if (await this.foundNewerSchema()) return;
      await this.store.heartbeat(instance, now, leaseMs);
      committed = true;
      this.wroteAt = clock.now();
      this.failure = undefined;
      this.options.onHeartbeat?.();
      if (instance.role === "worker" || this.services.length === 0) {
        // Never elected, so it folds the shards itself: a cluster may have no leader to (workers
        // only, or nothing to run once per cluster), and the shards of ended sessions, a few rows
        // each, grew without end. A leader folding at the same time folds each row once.
        await this.foldNowAndThen();
        return;
      }
      const won = await this.store.acquireServiceLease(CLUSTER_SERVICES, instance.id, now, leaseMs);
      // A renewal that comes back after this instance stepped down, or after the point its lease
      // could lapse, counts for nothing: another instance may be leading by now. The row it may
      // have renewed is given back, so that one can be elected at once.
      if (won && (this.term !== term || this.closed || clock.now() >= this.deadlineOf(now))) {
        await this.store
          .releaseServiceLease(CLUSTER_SERVICES, instance.id)
          .catch((error) => this.options.onError(error, "releasing the cluster services' lease"));
        return;
      }
      if (won) {
        this.renewedAt = now;
        this.armDeadline(now);
        if (!this.leading) await this.lead();
        await this.foldNowAndThen();
      } else if (this.leading) {
        this.options.log.warn(
          { instance: instance.id },
          "another instance holds the cluster services' lease; stopping them here",
        );
        await this.stepDown();
      }
    } catch (error) {
      if (!committed) this.failure = error;
      this.options.onError(error, "cluster heartbeat");
    }
  }

  /** Folds the counter shards of ended database sessions every `FOLD_EVERY_HEARTBEATS` calls. */
  private async foldNowAndThen(): Promise<void> {
    if (++this.beats % FOLD_EVERY_HEARTBEATS === 0) await this.store.foldCountShards();
  }

  private async foundNewerSchema(): Promise<boolean> {
    const { schema } = this.options;
    if (schema === undefined) return false;
    const newer = await this.store.unknownMigrations(schema.known);
    if (newer.length === 0) return false;
    this.outdated = true;
    await this.stepDown();
    schema.onNewer(newer);
    return true;
  }

  /**
   * When the services stop unless the lease is renewed first: a tenth of a lease before the lease
   * renewed at `renewedAt` (by this clock, at the start of the renewing call) lapses, after which
   * another instance may be elected.
   */
  private deadlineOf(renewedAt: number): number {
    const { leaseMs } = this.options;
    return renewedAt + leaseMs - Math.max(1, Math.floor(leaseMs / 10));
  }

  /** A timer, not the next beat, ends the services: a beat whose database call hangs never comes back to check. */
  private armDeadline(renewedAt: number): void {
    const { clock } = this.options;
    if (this.deadline !== undefined) clock.clearTimeout(this.deadline);
    this.deadline = clock.setTimeout(
      () => void this.lapse(),
      Math.max(0, this.deadlineOf(renewedAt) - clock.now()),
    );
  }

  private async lapse(): Promise<void> {
    if (!this.leading || this.closed) return;
    this.options.log.warn(
      { instance: this.options.instance.id, renewedAt: this.renewedAt },
      "cannot renew the cluster services' lease in time; stopping them here",
    );
    await this.stepDown();
  }

  /** Starts and stops of the services run one after another: a start never overtakes a stop. */
  private change(step: () => Promise<void>): Promise<void> {
    const next = this.changing.then(step);
    this.changing = next.catch(() => {});
    return next;
  }

  private lead(): Promise<void> {
    this.leading = true;
    const term = this.term;
    return this.change(async () => {
      this.options.log.info(
        { instance: this.options.instance.id, services: this.services.map((s) => s.name) },
        "elected to run the once-per-cluster services",
      );
      const started: BackgroundService[] = [];
      try {
        for (const service of this.services) {
          // Before its start: one that throws may have begun something, and is stopped too.
          started.push(service);
          await service.start();
        }
      } catch (error) {
        // Leading without the services would hold the lease for nothing: no instance would run
        // them. Stop those that started (or tried to) and give the lease back; the next beat,
        // here or on another instance, is elected and starts them again.
        this.options.onError(error, "starting the once-per-cluster services");
        for (const service of started.reverse()) {
          await service.stop().catch((e) => this.options.onError(e, `stopping ${service.name}`));
        }
        if (this.term !== term) return; // stepped down meanwhile: that stop releases the lease
        this.leading = false;
        this.term++;
        await this.store
          .releaseServiceLease(CLUSTER_SERVICES, this.options.instance.id)
          .catch((e) => this.options.onError(e, "releasing the cluster services' lease"));
      }
    });
  }

  private stepDown(): Promise<void> {
    if (!this.leading) return this.changing;
    this.leading = false;
    // A renewal on its way now belongs to the term that ends here.
    this.term++;
    return this.change(async () => {
      for (const service of [...this.services].reverse()) {
        await service.stop().catch((error) => this.options.onError(error, `stopping ${service.name}`));
      }
      await this.store
        .releaseServiceLease(CLUSTER_SERVICES, this.options.instance.id)
        .catch((error) => this.options.onError(error, "releasing the cluster services' lease"));
    });
  }
}
