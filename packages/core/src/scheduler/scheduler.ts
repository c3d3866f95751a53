import type { Clock, ClockTimer } from "../contracts/clock.js";
import { type ProofContext, parseCanonicalContext } from "../contracts/context.js";
import type { DependencyReceipt, StepContext } from "../contracts/plugin.js";
import { backoffDelay, type RetryPolicy } from "../contracts/retry.js";
import type { TaskPhase, TaskRecord } from "../contracts/status.js";
import type { Backend } from "../contracts/task-id.js";
import {
  classifyFailure,
  errorMessage,
  NotCancellableError,
  PermanentError,
  TaskNotFoundError,
  TransientError,
} from "../errors.js";
import type { KindRegistry } from "../registry/kind-registry.js";
import { type TaskRow, toReceipt, toTaskRecord, toTransition } from "../store/rows.js";
import type { Change, TaskStore } from "../store/task-store.js";
import { initialStep, prepareSubmission } from "./submission.js";
import type { TransitionBus } from "./transition-bus.js";

export interface SchedulerOptions {
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** How often to look for work this process was not told about (other instances, missed wake-ups). */
  readonly pollIntervalMs: number;
  readonly onError: (error: unknown, context: string) => void;
}

/** Dependency resolutions and publications are I/O: bounded, but wider than proving. */
const MAX_RESOLVING = 32;
const MAX_PUBLISHING = 16;
const MAX_ERROR_LENGTH = 4_000;

type Step = "resolve" | "prove" | "publish";

/**
 * Drives tasks through their lifecycle. All state is in the database; this class only remembers
 * what this process is working on right now (to bound concurrency and abort attempts) and which
 * queues may have work (to avoid pointless queries).
 */
export class Scheduler {
  private readonly proving = new Map<Backend, number>();
  private readonly inFlight = new Map<string, { step: Step; controller: AbortController }>();
  private readonly work = new Set<Promise<void>>();
  private readonly queuedDirty = new Set<Backend>();
  private pendingDirty = true;
  private publishingDirty = true;
  private retryDirty = true;
  private tickScheduled = false;
  /** The tick in progress, which `close` waits for before the database goes away. */
  private ticking: Promise<void> | undefined;
  private closed = false;
  private retryTimer: ClockTimer | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly kinds: KindRegistry,
    private readonly bus: TransitionBus,
    private readonly options: SchedulerOptions,
  ) {}

  async start(): Promise<void> {
    const now = this.options.clock.now();
    this.apply(await this.store.requeueInterrupted(now));
    this.apply(await this.store.sweepBlocked(now));
    this.markAllDirty();
    this.pollTimer = setInterval(() => {
      this.markAllDirty();
      this.kick();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.kick();
  }

  async submit(raw: ProofContext, backend: Backend): Promise<{ task: TaskRecord; created: boolean }> {
    const task = prepareSubmission(this.kinds, raw, backend);
    const now = this.options.clock.now();
    const { row, created } = await this.store.insert(task, now);
    if (created) {
      this.apply([{ row, from: null }]);
      return { task: toTaskRecord(row), created };
    }
    if (row.status !== "permanent_failure" && row.status !== "cancelled")
      return { task: toTaskRecord(row), created };
    const hasDependencies = this.kinds.get(row.kind).handler.dependencies !== undefined;
    const restarted = await this.store.restart(
      row,
      (hasReceipt) =>
        hasReceipt ? { status: "publishing", phase: "publish" } : initialStep(hasDependencies),
      now,
    );
    if (!restarted) return this.submit(raw, backend); // changed under us: look again
    this.apply([restarted]);
    return { task: toTaskRecord(restarted.row), created: false };
  }

  async cancel(id: string): Promise<TaskRecord> {
    const row = await this.store.get(id);
    if (!row) throw new TaskNotFoundError(id);
    if (row.status === "cancelled") return toTaskRecord(row);
    if (row.status === "completed" || row.status === "permanent_failure")
      throw new NotCancellableError(id, row.status);
    const changes = await this.store.cancel(row, this.options.clock.now());
    if (changes.length === 0) return this.cancel(id); // changed under us: look again
    this.inFlight.get(id)?.controller.abort(new Error("cancelled"));
    this.apply(changes);
    return toTaskRecord(changes[0]!.row);
  }

  /** Stops taking work and aborts what is in flight; interrupted tasks resume at the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    if (this.retryTimer !== undefined) this.options.clock.clearTimeout(this.retryTimer);
    await this.ticking;
    for (const { controller } of this.inFlight.values()) controller.abort(new Error("service closing"));
    await Promise.allSettled([...this.work]);
  }

  /** Publishes committed changes and notes which queues may now have work. */
  private apply(changes: readonly Change[]): void {
    for (const { row, from } of changes) {
      this.bus.emit(toTransition(row, from));
      switch (row.status) {
        case "pending":
          this.pendingDirty = true;
          break;
        case "queued":
          this.queuedDirty.add(row.backend);
          break;
        case "publishing":
          this.publishingDirty = true;
          break;
        case "transient_failure":
          this.retryDirty = true;
          break;
      }
    }
    if (changes.length > 0) this.kick();
  }

  private markAllDirty(): void {
    this.pendingDirty = this.publishingDirty = this.retryDirty = true;
    for (const backend of this.kinds.backends()) this.queuedDirty.add(backend);
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
    const now = this.options.clock.now();
    if (this.retryDirty) {
      this.retryDirty = false;
      this.apply(await this.store.promoteDueRetries(now));
      this.armRetryTimer(await this.store.nextRetryAt());
    }
    if (this.pendingDirty) {
      this.pendingDirty = false;
      await this.startFrom("pending", "resolve", MAX_RESOLVING);
    }
    if (this.publishingDirty) {
      this.publishingDirty = false;
      await this.startFrom("publishing", "publish", MAX_PUBLISHING);
    }
    for (const backend of [...this.queuedDirty]) {
      const free = (this.kinds.concurrency.get(backend) ?? 0) - (this.proving.get(backend) ?? 0);
      if (free <= 0 || this.closed) continue;
      const claimed = await this.store.claimQueued(
        backend,
        this.kinds.kinds(),
        free,
        this.options.clock.now(),
      );
      if (claimed.length < free) this.queuedDirty.delete(backend);
      this.apply(claimed);
      for (const { row } of claimed) this.startStep(row, "prove");
    }
  }

  private async startFrom(status: "pending" | "publishing", step: Step, max: number): Promise<void> {
    const busy = [...this.inFlight.values()].filter((f) => f.step === step).length;
    const room = max - busy;
    if (room <= 0) {
      this.markDirty(step);
      return;
    }
    const rows = await this.store.oldestIn(status, this.kinds.kinds(), room, new Set(this.inFlight.keys()));
    for (const row of rows) this.startStep(row, step);
    if (rows.length === room) this.markDirty(step);
  }

  private markDirty(step: Step): void {
    if (step === "resolve") this.pendingDirty = true;
    if (step === "publish") this.publishingDirty = true;
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
      Math.max(0, at - clock.now()),
    );
  }

  private startStep(row: TaskRow, step: Step): void {
    const controller = new AbortController();
    this.inFlight.set(row.id, { step, controller });
    if (step === "prove") this.proving.set(row.backend, (this.proving.get(row.backend) ?? 0) + 1);
    const run = step === "resolve" ? this.resolve : step === "prove" ? this.prove : this.publish;
    const promise = run
      .call(this, row, controller.signal)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) return this.fail(row, step, error);
      })
      .catch((error: unknown) => this.options.onError(error, `${step} of task ${row.id}`))
      .finally(() => {
        this.inFlight.delete(row.id);
        this.work.delete(promise);
        if (step === "prove") {
          this.proving.set(row.backend, (this.proving.get(row.backend) ?? 1) - 1);
          this.queuedDirty.add(row.backend);
        }
        this.kick();
      });
    this.work.add(promise);
  }

  private stepContext(row: TaskRow, signal: AbortSignal): { context: ProofContext; step: StepContext } {
    const context = parseCanonicalContext(row.context);
    return { context, step: { taskId: { context, backend: row.backend }, signal } };
  }

  private async resolve(row: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler } = this.kinds.get(row.kind);
    const { context, step } = this.stepContext(row, signal);
    const dependencies = (await handler.dependencies?.(context, step)) ?? [];
    const ids: string[] = [];
    for (const dependency of dependencies) {
      if (!this.kinds.has(dependency.kind)) {
        throw new PermanentError(
          `${row.kind} depends on kind "${dependency.kind}", which no registered plugin proves`,
        );
      }
      const { task } = await this.submit(dependency, row.backend);
      if (!ids.includes(task.id)) ids.push(task.id);
    }
    signal.throwIfAborted();
    this.apply(await this.store.recordDependencies(row, ids, this.options.clock.now()));
  }

  private async prove(row: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler, definition } = this.kinds.get(row.kind);
    const host = this.kinds.hostFor(row.kind, row.backend);
    const { context, step } = this.stepContext(row, signal);
    const dependencies = handler.dependencies ? await this.dependencyReceipts(row.id) : [];
    const input = await handler.fetchInput(context, dependencies, step);
    signal.throwIfAborted();
    const receipt = await host.prove(definition.program, input, { signal });
    signal.throwIfAborted();
    const next = handler.afterStore ? "publishing" : "completed";
    this.apply(await this.store.storeProof(row, receipt, next, this.options.clock.now()));
  }

  private async publish(row: TaskRow, signal: AbortSignal): Promise<void> {
    const { handler } = this.kinds.get(row.kind);
    const { context, step } = this.stepContext(row, signal);
    const stored = await this.store.receipt(row.id);
    if (!stored) throw new PermanentError(`task ${row.id} is publishing but has no stored proof`);
    await handler.afterStore?.(context, stored, step);
    signal.throwIfAborted();
    this.apply(await this.store.completePublication(row, this.options.clock.now()));
  }

  private async dependencyReceipts(id: string): Promise<DependencyReceipt[]> {
    const rows = await this.store.dependencyReceipts(id);
    const expected = await this.store.dependencyCount(id);
    if (rows.length !== expected) {
      throw new TransientError(
        `task ${id}: ${expected - rows.length} of ${expected} dependency proofs are not stored yet`,
      );
    }
    return rows.map((r) => ({
      taskId: { context: parseCanonicalContext(r.context), backend: r.backend },
      receipt: toReceipt(r),
    }));
  }

  /** Transient failures are retried after backoff until the policy gives up; the rest fail now. */
  private async fail(row: TaskRow, step: TaskPhase, error: unknown): Promise<void> {
    const now = this.options.clock.now();
    const message = errorMessage(error).slice(0, MAX_ERROR_LENGTH);
    const { retry } = this.options;
    if (classifyFailure(error) === "permanent") {
      this.apply(await this.store.failPermanently(row, step, message, now));
      return;
    }
    const retryCount = row.retry_count + 1;
    if (retryCount > retry.maxRetries) {
      const gaveUp = `gave up after ${retry.maxRetries} retries: ${message}`;
      this.apply(await this.store.failPermanently(row, step, gaveUp, now));
      return;
    }
    const nextAttemptAt = now + backoffDelay(retry, retryCount);
    const change = await this.store.transition(
      row,
      "transient_failure",
      { phase: step, retry_count: retryCount, next_attempt_at: nextAttemptAt, error: message },
      now,
    );
    if (change) this.apply([change]);
  }
}
