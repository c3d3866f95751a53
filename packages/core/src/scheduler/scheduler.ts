import { getHeapStatistics } from "node:v8";
import type { Wakeups } from "../cluster/wakeups.js";
import { type Clock, type ClockTimer, MAX_TIMER_MS } from "../contracts/clock.js";
import { type ProofContext, parseCanonicalContext } from "../contracts/context.js";
import type { RemoteJob } from "../contracts/host.js";
import type { PluginLogger } from "../contracts/logger.js";
import type { DependencyReceipt, StepContext } from "../contracts/plugin.js";
import type { RetryPolicy } from "../contracts/retry.js";
import type { TaskPhase, TaskRecord, TaskStatusName } from "../contracts/status.js";
import type { Backend } from "../contracts/task-id.js";
import {
  errorMessage,
  InvalidContextError,
  LeaseLostError,
  NotCancellableError,
  type OutdatedProofError,
  PermanentError,
  ProveTimeoutError,
  ServiceClosedError,
  TaskCancelledError,
  TaskNotFoundError,
  TransientError,
} from "../errors.js";
import type { KindRegistry } from "../registry/kind-registry.js";
import { refusedForNow, whyWriteLater } from "../store/database-errors.js";
import { type TaskRow, toReceipt, toTaskRecord, toTransition } from "../store/rows.js";
import type { Change, Stored, TaskStore } from "../store/task-store.js";
import { parseReceiptFrom } from "../validation.js";
import {
  afterFailure,
  afterInterruption,
  afterOutdatedProof,
  afterProof,
  afterResolution,
  cycleFailure,
  dropsProof,
  firstStep,
  NOT_CANCELLABLE,
  OUTDATABLE,
  otherVersion,
  RESTARTABLE,
  restartStep,
  staleDetourRefused,
  staleProofReason,
} from "./lifecycle.js";
import { ProveTimer } from "./prove-timer.js";
import {
  DEFAULT_PREFETCH_MAX_HEAP_BYTES,
  type PrefetchOptions,
  type ProvingLoad,
  ProvingSlots,
} from "./proving-slots.js";
import { type PreparedSubmission, prepareSubmission } from "./submission.js";
import type { TransitionBus } from "./transition-bus.js";

/** What `dependencyReceipts` answers when a dependency's proof is stale (see `staleProofReason`). */
const STALE = Symbol("stale dependency proofs");

export interface SchedulerOptions {
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** How often to look for work nobody announced (a missed wake-up); a slow fallback. */
  readonly pollIntervalMs: number;
  /** How long a claim holds a task without renewal; renewed every third of it. */
  readonly leaseMs: number;
  /** Attempts a task may lose to crashes (lapsed leases) before it fails permanently. */
  readonly maxInterruptions: number;
  /** How long a task waits before asking the chain again for something not produced yet. */
  readonly waitForChainMs: number;
  /** This process, as owners and the history name it. */
  readonly instanceId: string;
  /** The database has no other user (SQLite, locked): every lease found at start is dead. */
  readonly exclusive: boolean;
  /** An earlier process of this instance, known dead: its leases are taken over at start, lapsed or not. */
  readonly predecessor?: string;
  /** Inputs fetched ahead of free proving slots; see `PrefetchOptions`. */
  readonly prefetch?: PrefetchOptions;
  /** What this instance takes: a subset of the registered kinds and configured backends. */
  readonly claim: { readonly kinds?: readonly string[]; readonly backends?: readonly string[] };
  readonly wakeups: Wakeups;
  readonly log: PluginLogger;
  readonly onError: (error: unknown, context: string) => void;
}

/** Dependency resolutions and publications are I/O: bounded, but wider than proving. */
const MAX_RESOLVING = 32;
/**
 * How long a plugin's `admit` may ask its nodes, its lookups together. A healthy node answers in
 * milliseconds; a silent one held every submit (and a runner's, and with it the runner's stop)
 * through the JSON-RPC client's retries, four node timeouts (40 s by default), only for the
 * context to be accepted anyway, as a node that cannot be asked is no reason to refuse.
 */
export const ADMISSION_DEADLINE_MS = 3_000;
const MAX_PUBLISHING = 16;
/** The self-healing sweep of blocked tasks runs every this many heartbeats. */
const SWEEP_EVERY_HEARTBEATS = 10;
/** A change to one of these means another instance may have something to claim. */
const CLAIMABLE: ReadonlySet<TaskStatusName> = new Set([
  "pending",
  "queued",
  "publishing",
  "transient_failure",
]);

interface InFlight {
  readonly step: TaskPhase;
  readonly held: TaskRow;
  readonly controller: AbortController;
  /** Its fenced finish committed: the task is no longer held, and rightly so. */
  settled: boolean;
  /** A proving step no longer counts against its backend's claims (its proof is computed). */
  provingRoomFreed?: boolean;
  /** Gives back the proving slot its proof holds, once (set while the host has it). */
  releaseSlot?: () => void;
}

/**
 * Drives tasks through their lifecycle (the rules are in `lifecycle.ts`). All state is in the
 * database; this class remembers only what this instance holds right now (to bound concurrency,
 * renew leases and abort attempts) and which queues may have work (to avoid pointless queries).
 * Every unit of work — resolving dependencies, fetching and proving, publishing — is claimed with
 * a lease, renewed while it runs, and finished with a write fenced by the claim's attempt number.
 */
export class Scheduler {
  /** Prove steps claimed per backend: fetching, waiting for a slot, or proving. */
  private readonly proving = new Map<Backend, number>();
  private readonly slots = new Map<Backend, ProvingSlots>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly work = new Set<Promise<void>>();
  private readonly queuedDirty = new Set<Backend>();
  private pendingDirty = true;
  private publishingDirty = true;
  private retryDirty = true;
  private tickScheduled = false;
  /** The tick in progress, which `close` waits for before the database goes away. */
  private ticking: Promise<void> | undefined;
  private heartbeating: Promise<void> | undefined;
  private heartbeats = 0;
  /**
   * From when a heartbeat may take over lapsed leases; undefined once one failed (the database out
   * of reach, or taking no writes), until the database answers again. A lease that lapsed while
   * this instance could not reach the database says nothing of its holder, which most likely could
   * not renew it either: taken at the first heartbeat after the database came back, ahead of the
   * holder's own renewal, the tasks proving on a live instance were interrupted and proven again.
   * The holder is given a lease, from the database's return, to renew them; leases that lapsed
   * before the outage began are taken at once.
   */
  private reapAfter: number | undefined = 0;
  /** When the last heartbeat the database answered in full began: an outage began after it. */
  private answeredAt = 0;
  private closed = false;
  private retryTimer: ClockTimer | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly kindsClaimed: readonly string[];
  private readonly backendsClaimed: readonly string[];

  constructor(
    private readonly store: TaskStore,
    private readonly kinds: KindRegistry,
    private readonly bus: TransitionBus,
    private readonly options: SchedulerOptions,
  ) {
    const { claim } = options;
    this.kindsClaimed = kinds.kinds().filter((k) => claim.kinds === undefined || claim.kinds.includes(k));
    this.backendsClaimed = kinds
      .backends()
      .filter((b) => claim.backends === undefined || claim.backends.includes(b));
    store.onCommitted((changes) => this.apply(changes));
  }

  async start(): Promise<void> {
    await this.reapLapsedLeases(
      this.options.exclusive ? undefined : this.options.clock.now(),
      this.options.predecessor,
    );
    await this.store.sweepBlocked(this.options.clock.now());
    await this.options.wakeups.start(() => {
      this.markAllDirty();
      this.kick();
    });
    this.markAllDirty();
    this.pollTimer = setInterval(() => {
      this.markAllDirty();
      this.kick();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(
      () => this.heartbeat(),
      Math.max(10, Math.floor(this.options.leaseMs / 3)),
    );
    this.heartbeatTimer.unref();
    this.kick();
  }

  /**
   * Submits contexts on one backend, once their plugins admit them; see `ProverHandle.submit`.
   * Returns one result per context, in order.
   */
  async submitMany(
    raws: readonly ProofContext[],
    backend: Backend,
  ): Promise<{ task: TaskRecord; created: boolean }[]> {
    const prepared = raws.map((raw) => prepareSubmission(this.kinds, raw, backend));
    await this.admit(prepared);
    const stored = await this.store.insertMany(
      prepared.map((p) => p.task),
      this.options.clock.now(),
    );
    return this.afterInsert(stored);
  }

  /**
   * Announces the tasks a submission created; an existing task that failed or was cancelled starts
   * again, as a resubmission does. A dependent's resolution submits its dependencies this way, so
   * retrying a task whose dependency failed or was cancelled proves that dependency again.
   */
  private async afterInsert(stored: readonly Stored[]): Promise<{ task: TaskRecord; created: boolean }[]> {
    return Promise.all(
      stored.map(async ({ row, created }) => {
        if (created || !RESTARTABLE.includes(row.status)) return { task: toTaskRecord(row), created };
        return { task: toTaskRecord((await this.restart(row)).row), created: false };
      }),
    );
  }

  /**
   * Plugins refuse contexts that can never be proven (too far ahead of the chain) before they are
   * stored, with `InvalidContextError`. Anything else an admission throws (a node that cannot be
   * asked, a plugin's own mistake) is no refusal, as the contract says: the task is accepted, to
   * meet the same trouble where its steps retry and report it, and the warning says so.
   */
  private async admit(prepared: readonly PreparedSubmission[]): Promise<void> {
    const checked = prepared.filter((p) => this.kinds.get(p.task.kind).handler.admit !== undefined);
    if (checked.length === 0) return;
    const existing = new Set<string>();
    for (const p of checked) if (await this.store.get(p.task.id)) existing.add(p.task.id);
    for (const p of checked) {
      if (existing.has(p.task.id)) continue;
      // A timer on a controller, not AbortSignal.timeout: a plugin that combines the signal with
      // AbortSignal.any would hold a timeout signal only weakly (Node 20), and lose it at a GC.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), ADMISSION_DEADLINE_MS);
      try {
        await this.kinds.get(p.task.kind).handler.admit!(p.context, { signal: deadline.signal });
      } catch (error) {
        if (error instanceof InvalidContextError) throw error;
        this.options.log.warn(
          { task: p.task.id, kind: p.task.kind, error: errorMessage(error) },
          "admission could not decide; the task is accepted and its steps will meet the same trouble",
        );
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Starts a failed or cancelled task again, as a resubmission does. `restarted` says whether this
   * call did: another (an instance's bulk retry beside this one) may have first, and counting its
   * restarts as this call's had two operators each told they restarted every task.
   */
  async restart(row: TaskRow): Promise<{ row: TaskRow; restarted: boolean }> {
    const hasDependencies = this.kinds.get(row.kind).handler.dependencies !== undefined;
    const now = this.options.clock.now();
    const restarted = await this.store.restart(
      row,
      (hasReceipt) => restartStep(hasReceipt, hasDependencies),
      now,
    );
    if (restarted) return { row: restarted.row, restarted: true };
    const current = await this.store.get(row.id); // changed under us: look again
    if (current && RESTARTABLE.includes(current.status)) return this.restart(current);
    return { row: current ?? row, restarted: false };
  }

  /**
   * Takes back a completed task whose proof its plugin found outdated (see `afterOutdatedProof`),
   * if it is still at `attempt`, the attempt whose proof was found so: one proven again since is
   * current, and left as it is. `reproven` says whether this call took it back.
   */
  async reproveOutdated(
    id: string,
    attempt: number,
    error: OutdatedProofError,
  ): Promise<{ row: TaskRow; reproven: boolean }> {
    const row = await this.store.get(id);
    if (!row) throw new TaskNotFoundError(id);
    if (row.status !== OUTDATABLE || row.attempt !== attempt) return { row, reproven: false };
    const hasDependencies = this.kinds.get(row.kind).handler.dependencies !== undefined;
    const reason = errorMessage(error);
    const now = this.options.clock.now();
    const start = afterOutdatedProof(hasDependencies);
    const moved = await this.store.reproveOutdated(row, start, reason, this.options.instanceId, now);
    if (!moved) return { row: (await this.store.get(id)) ?? row, reproven: false };
    this.options.log.warn(
      { task: id, kind: row.kind, attempt, reason },
      "a completed task's proof is outdated: it is dropped and the task proven again",
    );
    return { row: moved.row, reproven: true };
  }

  /** Cancels an unfinished task; `cancelled` says whether this call did (see `restart`). */
  async cancel(id: string): Promise<{ record: TaskRecord; cancelled: boolean }> {
    const row = await this.store.get(id);
    if (!row) throw new TaskNotFoundError(id);
    if (row.status === "cancelled") return { record: toTaskRecord(row), cancelled: false };
    if (NOT_CANCELLABLE.includes(row.status)) throw new NotCancellableError(id, row.status);
    const changes = await this.store.cancel(row, this.options.clock.now());
    if (changes.length === 0) return this.cancel(id); // changed under us: look again
    const flight = this.inFlight.get(id);
    if (flight !== undefined) this.abortFlight(flight, new TaskCancelledError(id));
    this.cancelRecordedJob(row);
    return { record: toTaskRecord(changes[0]!.row), cancelled: true };
  }

  /**
   * Stops the remote job the task has recorded. An attempt in flight cancels the job it waits on
   * (see `ProveOptions.signal`), but one that ended without finishing its job — the server did not
   * answer for a while, the instance stopped or crashed — left it running on the server for the
   * next attempt to poll: cancelled between attempts, the task had the server prove it to the end
   * for nobody, holding a worker the jobs queued behind it waited for. Not awaited, as the cancel
   * of a job in flight is not: a server that does not answer must not hold up the caller.
   */
  private cancelRecordedJob(row: TaskRow): void {
    if (row.job_id === null || !this.kinds.has(row.kind)) return;
    const host = this.kinds.get(row.kind).hosts.get(row.backend);
    host?.cancelJob?.(row.job_id).catch((error: unknown) => {
      this.options.log.warn(
        { task: row.id, backend: row.backend, job: row.job_id, error: errorMessage(error) },
        "the task is cancelled, but its remote job could not be cancelled: the server may prove it to the end",
      );
    });
  }

  /**
   * Stops taking work, aborts what is in flight and releases its leases, so another instance (or
   * the next start) takes it at once, without counting an interruption.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    if (this.retryTimer !== undefined) this.options.clock.clearTimeout(this.retryTimer);
    await this.ticking;
    await this.heartbeating;
    // Every signal first: a slot given back before would start a waiting proof on its way out.
    const flights = [...this.inFlight.values()];
    for (const { controller } of flights) controller.abort(new ServiceClosedError());
    for (const flight of flights) this.abortFlight(flight, new ServiceClosedError());
    await this.stepsWound();
    try {
      await this.store.releaseHeld(this.options.instanceId, this.options.clock.now());
    } catch (error) {
      this.options.onError(error, "releasing leases at close");
    }
    await this.options.wakeups.close();
  }

  /**
   * Waits for the aborted steps to wind down, for at most CLOSE_GRACE_MS: a step whose code ignores
   * its signal (a wedged host, a fetch on a dead connection) would keep close from returning for
   * good. What such code does later is refused by the fenced writes: its lease is released here.
   */
  private async stepsWound(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace over">((resolve) => {
      timer = setTimeout(() => resolve("grace over"), CLOSE_GRACE_MS);
    });
    try {
      const outcome = await Promise.race([Promise.allSettled([...this.work]), graceOver]);
      if (outcome === "grace over") {
        this.options.log.warn(
          { steps: this.work.size, graceMs: CLOSE_GRACE_MS },
          "closing without steps that ignored their abort: their tasks are released, and what they do later is refused",
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Publishes changes as they commit, in the order they were made (the store tells them here),
   * and notes which queues may now have work.
   */
  private apply(changes: readonly Change[]): void {
    let announce = false;
    for (const { row, from } of changes) {
      // The claim an attempt of ours holds has ended (finished, cancelled, released): a later claim
      // of the task, which the same commit may make, is not taken for a lost lease (startStep).
      const flight = this.inFlight.get(row.id);
      if (flight?.held.attempt === row.attempt && row.lease_expires_at === null) flight.settled = true;
      if (row.status !== from) this.bus.emit(toTransition(row, from));
      // A step claimed without changing status (resolve, publish) is no new work; the same step
      // released or taken over is (it waits to be claimed again, here or on another instance).
      else if (row.lease_expires_at !== null) continue;
      if (CLAIMABLE.has(row.status)) announce = true;
      switch (row.status) {
        case "pending":
          this.pendingDirty = true;
          break;
        case "queued":
          // Work on a backend this instance does not claim (`claim.backends`) is another's to take.
          if (this.backendsClaimed.includes(row.backend)) this.queuedDirty.add(row.backend);
          break;
        case "publishing":
          this.publishingDirty = true;
          break;
        case "transient_failure":
          this.retryDirty = true;
          break;
      }
    }
    if (announce) this.options.wakeups.announce();
    if (changes.length > 0) this.kick();
  }

  private markAllDirty(): void {
    this.pendingDirty = this.publishingDirty = this.retryDirty = true;
    for (const backend of this.backendsClaimed) this.queuedDirty.add(backend);
  }

  private kick(): void {
    if (this.tickScheduled || this.closed) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      if (this.ticking) {
        this.tickScheduled = true; // run again once the current tick is done
        return;
      }
      this.ticking = this.tick()
        .catch((error) => this.options.onError(error, "scheduler tick"))
        .finally(() => {
          this.ticking = undefined;
          if (this.tickScheduled) {
            this.tickScheduled = false;
            this.kick();
          }
        });
    });
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (this.retryDirty) {
      this.retryDirty = false;
      await this.store.promoteDueRetries(this.options.clock.now());
      this.armRetryTimer(await this.store.nextRetryAt());
    }
    if (this.pendingDirty) {
      this.pendingDirty = false;
      await this.claimAndStart("resolve", MAX_RESOLVING - this.busy("resolve"), this.backendsClaimed);
    }
    if (this.publishingDirty) {
      this.publishingDirty = false;
      await this.claimAndStart("publish", MAX_PUBLISHING - this.busy("publish"), this.backendsClaimed);
    }
    for (const backend of [...this.queuedDirty]) {
      this.queuedDirty.delete(backend);
      if (this.closed) return;
      // Claims go beyond the proving slots by the prefetch depth: those inputs are fetched meanwhile.
      const free =
        (this.kinds.concurrency.get(backend) ?? 0) +
        this.prefetchDepth(backend) -
        (this.proving.get(backend) ?? 0);
      await this.claimAndStart("prove", free, [backend]);
    }
  }

  private busy(step: TaskPhase): number {
    let n = 0;
    // An aborted step only winds down (with code deaf to its signal, perhaps never): it takes no room.
    for (const flight of this.inFlight.values()) {
      if (flight.step === step && !flight.controller.signal.aborted) n++;
    }
    return n;
  }

  private async claimAndStart(step: TaskPhase, room: number, backends: readonly string[]): Promise<void> {
    if (room <= 0) return; // a finishing step marks its queue dirty again
    const claimed = await this.store.claim(step, {
      kinds: this.kindsClaimed,
      backends,
      limit: room,
      owner: this.options.instanceId,
      leaseMs: this.options.leaseMs,
      now: this.options.clock.now(),
    });
    if (claimed.length === room) this.markDirty(step, backends);
    for (const { row } of claimed) this.startStep(row, step);
  }

  private markDirty(step: TaskPhase, backends: readonly string[]): void {
    if (step === "resolve") this.pendingDirty = true;
    else if (step === "publish") this.publishingDirty = true;
    else for (const backend of backends) this.queuedDirty.add(backend);
  }

  private armRetryTimer(at: number | undefined): void {
    const { clock } = this.options;
    if (this.retryTimer !== undefined) clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (at === undefined || this.closed) return;
    this.retryTimer = clock.setTimeout(
      () => {
        this.retryTimer = undefined;
        this.retryDirty = true;
        this.kick();
      },
      // A timer waits at most ~24.8 days and fires at once beyond that: a retry further off (a
      // huge backoff, a node's Retry-After) is looked at again then, and the timer armed anew.
      Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now())),
    );
  }

  private startStep(held: TaskRow, step: TaskPhase): void {
    // Claimed again while an earlier attempt of ours still runs unfinished (its lease lapsed and the
    // task was reaped, e.g. while it waited for a proving slot): that claim is void, so stop it as
    // its heartbeat would have. An earlier step whose finish committed (settled) led to this claim
    // and is only winding down.
    const earlier = this.inFlight.get(held.id);
    if (earlier !== undefined && !earlier.settled && !earlier.controller.signal.aborted) {
      this.abortFlight(earlier, new LeaseLostError(`task ${held.id}: claimed again by a later attempt`));
      this.settle(earlier.held, undefined);
    }
    const controller = new AbortController();
    const flight: InFlight = { step, held, controller, settled: false };
    this.inFlight.set(held.id, flight);
    if (step === "prove") this.proving.set(held.backend, (this.proving.get(held.backend) ?? 0) + 1);
    const run = step === "resolve" ? this.resolve : step === "prove" ? this.prove : this.publish;
    const promise = run
      .call(this, held, controller.signal)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) return this.fail(held, error);
      })
      .catch((error: unknown) => this.options.onError(error, `${step} of task ${held.id}`))
      .finally(() => {
        if (step === "prove") this.freeProvingRoom(held, flight);
        if (this.inFlight.get(held.id) === flight) this.inFlight.delete(held.id);
        this.work.delete(promise);
        this.markDirty(step, [held.backend]);
        this.kick();
      });
    this.work.add(promise);
  }

  private stepContext(row: TaskRow, signal: AbortSignal): { context: ProofContext; step: StepContext } {
    const context = parseCanonicalContext(row.context);
    return { context, step: { taskId: { context, backend: row.backend }, signal } };
  }

  private async resolve(held: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler } = this.kinds.get(held.kind);
    const { context, step } = this.stepContext(held, signal);
    const dependencies = (await handler.dependencies?.(context, step)) ?? [];
    for (const dependency of dependencies) {
      if (!this.kinds.has(dependency.kind)) {
        throw new PermanentError(
          `${held.kind} depends on kind "${dependency.kind}", which no registered plugin proves`,
        );
      }
    }
    // Each dependency goes to its own kind's backend: a proof type's backend is configured per kind.
    const prepared = dependencies.map((dependency) =>
      prepareSubmission(this.kinds, dependency, this.kinds.backendFor(dependency.kind)),
    );
    signal.throwIfAborted();
    const stored = await refusedForNow(
      this.store.insertDependencies(
        held,
        prepared.map((p) => p.task),
        this.options.clock.now(),
      ),
    );
    if (!stored) return this.settle(held, undefined);
    const ids = [...new Set((await this.afterInsert(stored)).map(({ task }) => task.id))];
    signal.throwIfAborted();
    const changes = await refusedForNow(
      this.store.recordResolution(
        held,
        ids,
        (deps, cycle) =>
          cycle ? { to: "permanent_failure", error: cycleFailure(held) } : afterResolution(deps),
        this.options.clock.now(),
      ),
    );
    this.settle(held, changes);
  }

  private async prove(held: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler, definition } = this.kinds.get(held.kind);
    const host = this.kinds.hostFor(held.kind, held.backend);
    const { context, step } = this.stepContext(held, signal);
    // The database's refusal (a restart ending the session) is no failure of the work: see `afterFailure`.
    const dependencies = handler.dependencies ? await refusedForNow(this.dependencyReceipts(held)) : [];
    if (dependencies === STALE) return;
    const input = await handler.fetchInput(context, dependencies, step);
    const slots = this.slotsFor(held.backend);
    await slots.acquire(signal, held);
    // A host deaf to its signal would keep its slot for good after a cancel or a lost lease: the
    // slot is given back at the abort too (abortFlight).
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      slots.release();
    };
    const flight = this.inFlight.get(held.id);
    if (flight?.held === held) flight.releaseSlot = release;
    let answer: unknown;
    try {
      // Aborted after the slot was given, before releaseSlot was set: no host is handed the proof.
      signal.throwIfAborted();
      answer = await this.withProveTimeout(held, signal, (attempt, queued) =>
        host.prove(definition.program, input, { signal: attempt, job: this.remoteJob(held, queued) }),
      );
    } finally {
      release();
    }
    const receipt = parseReceiptFrom(held.backend, answer);
    // Stored, a proof labelled with another version would be stale to every dependent at once:
    // taken back and proven again until their retries ran out.
    const labelled = otherVersion(receipt, definition.program);
    if (labelled !== undefined) {
      throw new PermanentError(`the ${held.backend} host answered a proof ${labelled}`);
    }
    signal.throwIfAborted();
    // Claim the next tasks now, so that their claim shares the group commit with this proof's
    // finish: one commit per cycle of claims and finishes instead of two (see freeProvingRoom).
    this.freeProvingRoom(held);
    const to = afterProof(handler.afterStore !== undefined);
    const store = () => this.store.storeProof(held, receipt, to, this.options.clock.now());
    this.settle(
      held,
      await this.writeKept(held, store, signal, "this proof is kept and stored again once it does"),
    );
  }

  /**
   * Writes what a step achieved (a computed proof, a publication done) through a database that
   * cannot take it now: it was full, could not be reached (a restart, a failover, every connection
   * slot taken, for longer than the group commit's own retries), took no writes (a standby after a
   * failover), was locked by another process (an operator's sqlite3 shell), or another session held
   * the task's row past the role's `lock_timeout` or `statement_timeout`. What was achieved is kept
   * and written again once the database takes it, its lease renewed meanwhile. Counted as the
   * attempt's failure, it was thrown away and done again: a proof proven again (with a full disk
   * every retry of every task was used up and nothing said the disk was full), a publication
   * published twice; and the failure could not be recorded either, so the task waited for its lease
   * to lapse and was taken over as interrupted.
   */
  private async writeKept(
    held: TaskRow,
    write: () => Promise<Change[] | undefined>,
    signal: AbortSignal,
    kept: string,
  ): Promise<Change[] | undefined> {
    try {
      return await write();
    } catch (first) {
      const why = whyWriteLater(first);
      if (why === undefined) throw first;
      this.options.log.warn(
        {
          task: held.id,
          kind: held.kind,
          code: (first as { code?: string }).code,
          error: errorMessage(first),
        },
        `${why}: ${kept}`,
      );
    }
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      await sleep(delay, signal);
      try {
        return await write();
      } catch (error) {
        if (whyWriteLater(error) === undefined) throw error;
      }
    }
  }

  /**
   * Stops a step: its signal aborts, and a proof it has in a host gives back its slot and its room
   * at once, so that a host deaf to its signal holds neither for good.
   */
  private abortFlight(flight: InFlight, reason: Error): void {
    flight.controller.abort(reason);
    flight.releaseSlot?.();
    if (flight.step === "prove") this.freeProvingRoom(flight.held, flight);
  }

  /**
   * A proving step stops counting against its backend's claims (once): when its proof is computed,
   * or when it ends otherwise. Freed before the proof is stored, the room is claimed by a tick
   * that runs before the group commit's flush (both wait for `setImmediate`, the tick first), so
   * the claim of the next tasks and the finishes of this turn's proofs share one transaction.
   */
  private freeProvingRoom(held: TaskRow, flight = this.inFlight.get(held.id)): void {
    if (flight === undefined || flight.held !== held || flight.provingRoomFreed) return;
    flight.provingRoomFreed = true;
    this.proving.set(held.backend, (this.proving.get(held.backend) ?? 1) - 1);
    this.markDirty("prove", [held.backend]);
    this.kick();
  }

  private slotsFor(backend: Backend): ProvingSlots {
    let slots = this.slots.get(backend);
    if (!slots) {
      slots = new ProvingSlots(this.kinds.concurrency.get(backend) ?? 1);
      this.slots.set(backend, slots);
    }
    return slots;
  }

  /**
   * How many inputs may be fetched ahead of a free slot on a backend now: the configured depth
   * (default one per slot), or none while the heap holds more than the bound, since fetched inputs
   * wait in this process's memory. Byte arrays (witnesses, encoded inputs) live outside V8's heap
   * proper, as its external memory, so both count.
   */
  private prefetchDepth(backend: Backend): number {
    const { depth, maxHeapBytes = DEFAULT_PREFETCH_MAX_HEAP_BYTES } = this.options.prefetch ?? {};
    const heap = getHeapStatistics();
    if (heap.used_heap_size + heap.external_memory > maxHeapBytes) return 0;
    return depth ?? this.kinds.concurrency.get(backend) ?? 0;
  }

  /**
   * Per claimed backend: proving slots in use and inputs fetched and waiting for one. Every one,
   * idle or not yet proving: metrics read it, and a backend missing until its first proof had no
   * capacity to show.
   */
  provingLoad(): ProvingLoad[] {
    return this.backendsClaimed.map((backend) => {
      const slots = this.slotsFor(backend);
      return { backend, busy: slots.busy, waiting: slots.queued, capacity: slots.capacity };
    });
  }

  /**
   * The kind's proof timeout, if any, stops the host with a `ProveTimeoutError`, which is then
   * retried. The proof is given up at the timeout even if the host ignores its signal: waited for,
   * a wedged host kept the task proving past its timeout. Time a remote job waits queued on its
   * server does not count (see `ProveTimer`).
   */
  private async withProveTimeout<T>(
    held: TaskRow,
    signal: AbortSignal,
    prove: (signal: AbortSignal, queued?: (queued: boolean) => void) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = this.kinds.proveTimeoutFor(held.kind);
    if (timeoutMs === undefined) return prove(signal);
    const timer = new ProveTimer(timeoutMs, () => new ProveTimeoutError(held.id, timeoutMs));
    const attempt = AbortSignal.any([signal, timer.signal]);
    try {
      return await untilAborted(
        prove(attempt, (queued) => timer.queued(queued)),
        attempt,
      );
    } finally {
      timer.stop();
    }
  }

  /** A remote host records its job with the task, fenced by this attempt's claim. */
  private remoteJob(held: TaskRow, queued?: (queued: boolean) => void): RemoteJob {
    return {
      ...(held.job_id !== null && { previousId: held.job_id }),
      ...(queued !== undefined && { queued }),
      // As `afterFailure` counts: a transient failure at this count fails the task for good.
      ...(held.retry_count >= this.options.retry.maxRetries && { lastAttempt: true }),
      requestId: held.id,
      record: async (jobId) => {
        if (!(await this.store.recordJob(held, jobId))) {
          throw new LeaseLostError(
            `task ${held.id}: this attempt no longer holds the task; job ${jobId} is not recorded`,
          );
        }
      },
    };
  }

  private async publish(held: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler } = this.kinds.get(held.kind);
    const { context, step } = this.stepContext(held, signal);
    const stored = await refusedForNow(this.store.receipt(held.id));
    if (!stored) throw new PermanentError(`task ${held.id} is publishing but has no stored proof`);
    await handler.afterStore?.(context, stored, step);
    signal.throwIfAborted();
    const complete = () => this.store.completePublication(held, this.options.clock.now());
    this.settle(
      held,
      await this.writeKept(
        held,
        complete,
        signal,
        "the publication is done, and its end is written once it does, not published again",
      ),
    );
  }

  /**
   * The proofs of a task's dependencies, or `STALE` when the task must wait for some first: stale
   * ones (`staleProofReason`), proven again, or ones taken back since the task was queued.
   */
  private async dependencyReceipts(held: TaskRow): Promise<DependencyReceipt[] | typeof STALE> {
    const rows = await this.store.dependencyReceipts(held.id);
    const expected = await this.store.dependencyCount(held.id);
    const receipts = rows.map((r) => ({
      taskId: { context: parseCanonicalContext(r.context), backend: r.backend },
      receipt: toReceipt(r),
    }));
    const stale = rows.flatMap((r, i) => {
      const { definition, handler } = this.kinds.get(r.kind);
      const reason = staleProofReason(receipts[i]!.receipt, definition.program, handler);
      return reason === undefined ? [] : [{ id: r.id, kind: r.kind, attempt: r.attempt, reason }];
    });
    // A dependency without its proof may have been taken back since this task was queued (another
    // dependent found its proof stale): this task waits for it too. Retried instead, it spent its
    // retries while the dependency was proven again, and failed for good if that took long.
    const missing = rows.length !== expected;
    if (stale.length > 0 || (missing && (await this.store.someDependencyUnfinished(held.id)))) {
      await this.waitForDependencies(held, stale);
      return STALE;
    }
    if (missing) {
      throw new TransientError(
        `task ${held.id}: ${expected - rows.length} of ${expected} dependency proofs are not stored yet`,
      );
    }
    return receipts;
  }

  /**
   * Sends a task back to wait for its dependencies: its stale ones proven again (a detour that
   * counts as a retry, see `staleDetourRefused`), or ones another dependent took back since it was
   * queued (which counts nothing).
   */
  private async waitForDependencies(
    held: TaskRow,
    stale: readonly { id: string; kind: string; attempt: number; reason: string }[],
  ): Promise<void> {
    const reasons = stale.map((proof) => `${proof.kind} ${proof.id} ${proof.reason}`);
    if (stale.length > 0) {
      const refused = staleDetourRefused(held.retry_count, this.options.retry, reasons);
      if (refused !== undefined) throw new PermanentError(refused);
    }
    for (const proof of stale) {
      this.options.log.warn(
        {
          task: held.id,
          kind: held.kind,
          dependency: proof.id,
          dependencyKind: proof.kind,
          reason: proof.reason,
        },
        "a dependency's proof is stale: it is proven again, and this task waits for it",
      );
    }
    const changes = await this.store.reproveStale(
      held,
      stale,
      (dependency) => firstStep(this.kinds.get(dependency.kind).handler.dependencies !== undefined),
      afterResolution,
      {
        retryCount: held.retry_count + (stale.length > 0 ? 1 : 0),
        why: stale.length > 0 ? reasons.join("; ") : "a dependency was taken back to be proven again",
      },
      this.options.clock.now(),
    );
    this.settle(held, changes);
  }

  /** Transient failures are retried after backoff until the policy gives up; the rest fail now. */
  private async fail(held: TaskRow, error: unknown): Promise<void> {
    const now = this.options.clock.now();
    const outcome = afterFailure(
      error,
      held.retry_count,
      this.options.retry,
      now,
      this.options.waitForChainMs,
    );
    const dropProof = dropsProof(held.phase, error);
    this.settle(held, await this.store.failStep(held, outcome, now, { dropProof }));
  }

  /** Says that a fenced write was refused because the lease was lost (one that applied was applied as it committed). */
  private settle(held: TaskRow, changes: readonly Change[] | undefined): void {
    if (changes) return;
    this.options.log.warn(
      { task: held.id, kind: held.kind, attempt: held.attempt, step: held.phase },
      "lease lost: another instance took this task over or it was cancelled; this attempt's result is discarded",
    );
  }

  /**
   * Every third of a lease: renew what this instance holds (and stop attempts whose task was taken
   * from it), then take over tasks whose holders stopped renewing.
   */
  private heartbeat(): void {
    if (this.heartbeating || this.closed) return;
    this.heartbeating = (async () => {
      const now = this.options.clock.now();
      // Only steps claimed before the renewal can be judged by its answer: later claims are not in it.
      const before = [...this.inFlight];
      const held = await this.store.renewLeases(
        this.options.instanceId,
        before.map(([id]) => id),
        now + this.options.leaseMs,
        now,
      );
      const kept = new Set(held.map((h) => `${h.id}:${h.attempt}`));
      for (const [id, flight] of before) {
        if (kept.has(`${id}:${flight.held.attempt}`) || flight.controller.signal.aborted || flight.settled)
          continue;
        const current = await this.store.get(id);
        // A step that finished since (its finish may even have shared the renewal's transaction)
        // is not held any more because it is done, not because it was taken.
        if (flight.settled) continue;
        this.abortFlight(
          flight,
          current?.status === "cancelled"
            ? new TaskCancelledError(id)
            : new LeaseLostError(`task ${id}: this instance no longer holds its lease`),
        );
        this.settle(flight.held, undefined);
      }
      if (this.reapAfter === undefined) {
        // Only leases that lapsed while the database still answered: with only a probe here,
        // heartbeats failing more often than once a lease (a flaky link) never took over a dead
        // instance's tasks.
        await this.reapLapsedLeases(this.answeredAt);
        this.reapAfter = now + this.options.leaseMs;
      } else if (now >= this.reapAfter) {
        await this.reapLapsedLeases(now);
      }
      if (++this.heartbeats % SWEEP_EVERY_HEARTBEATS === 0) await this.store.sweepBlocked(now);
      this.answeredAt = now;
    })()
      .catch((error: unknown) => {
        this.reapAfter = undefined;
        this.options.onError(error, "lease heartbeat");
      })
      .finally(() => {
        this.heartbeating = undefined;
      });
  }

  /**
   * Takes over tasks whose lease lapsed before `before` (every held task when undefined: at an
   * exclusive start), and those `dead` holds, whose process is known to be gone.
   */
  private async reapLapsedLeases(before: number | undefined, dead?: string): Promise<void> {
    const lapsed = await this.store.lapsedLeases(before, this.options.clock.now(), dead);
    for (const row of lapsed) {
      // A step of ours still runs on it (its renewal is late). One aborted holds nothing: it only
      // winds down, and with a host deaf to its signal may never end, so the task, left by an
      // instance that died, would wait for it for good.
      if (this.inFlight.get(row.id)?.controller.signal.aborted === false) continue;
      const decision = afterInterruption(
        row.phase,
        row.interruptions + 1,
        this.options.maxInterruptions,
        row.owner,
      );
      this.options.log.warn(
        {
          task: row.id,
          kind: row.kind,
          owner: row.owner,
          step: row.phase,
          interruptions: row.interruptions + 1,
        },
        decision.to === "permanent_failure"
          ? "task failed: interrupted too often"
          : "taking over a task whose lease lapsed",
      );
      await this.store.interrupt(
        row,
        decision,
        this.options.clock.now(),
        row.owner === dead ? undefined : before,
      );
    }
  }
}

/** How long close waits for aborted steps to wind down (see stepsWound). */
const CLOSE_GRACE_MS = 2_000;

/** Settles as `promise` does, or rejects with the signal's reason once it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal.addEventListener("abort", abort, { once: true });
  });
}
