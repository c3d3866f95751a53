import type { ClusterMembership } from "../cluster/membership.js";
import type { Clock } from "../contracts/clock.js";
import type { ProofContext } from "../contracts/context.js";
import type { ProverHandle, ReproveResult, SubmitResult, WaitOptions } from "../contracts/handle.js";
import type { BackgroundService, PluginRpcMethod } from "../contracts/plugin.js";
import type { ProofReceipt } from "../contracts/receipt.js";
import {
  type BulkResult,
  type CompletedFilter,
  type InstanceInfo,
  type ListFilter,
  type PruneOptions,
  type PruneResult,
  type StatusSummary,
  TASK_STATUSES,
  type TaskAttempt,
  type TaskFilter,
  type TaskGraph,
  type TaskPage,
  type TaskRecord,
  type TaskRecordWithHistory,
  type TaskStatusName,
  type TaskTransition,
  TERMINAL_STATUSES,
} from "../contracts/status.js";
import { type Backend, keyOf, type TaskRef } from "../contracts/task-id.js";
import {
  DatabaseUnusableError,
  errorMessage,
  InvalidParamsError,
  type OutdatedProofError,
  PaasError,
  ProofNotFoundError,
  ServiceClosedError,
  TaskNotFoundError,
  TransientError,
} from "../errors.js";
import type { KindRegistry } from "../registry/kind-registry.js";
import { RESTARTABLE } from "../scheduler/lifecycle.js";
import type { ProvingLoad } from "../scheduler/proving-slots.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { parseWithPlugin } from "../scheduler/submission.js";
import type { TransitionBus } from "../scheduler/transition-bus.js";
import { refusedForNow, stoppedPartWay, whyWriteLater } from "../store/database-errors.js";
import type { OperatorStore } from "../store/operator-store.js";
import { type TaskRow, toTaskRecord } from "../store/rows.js";
import type { TaskStore } from "../store/task-store.js";

/** A plugin's RPC method and the kind of the plugin that contributed it, for errors that name it. */
export interface ContributedRpcMethod extends PluginRpcMethod {
  readonly kind: string;
}

export interface ServiceParts {
  readonly store: TaskStore;
  readonly operator: OperatorStore;
  readonly clock: Clock;
  readonly kinds: KindRegistry;
  readonly scheduler: Scheduler;
  readonly bus: TransitionBus;
  readonly membership: ClusterMembership;
  readonly defaultBackend: Backend;
  /** Other instances may write the database (PostgreSQL): what they finish raises no local transition. */
  readonly sharedDatabase: boolean;
  /** Releases what the builder opened itself (the database when given a path). */
  readonly release: () => Promise<void>;
}

const WAIT_POLL_MS = 500;
/**
 * Tasks a bulk retry or cancel changes at once: one group commit, which runs on this thread with
 * SQLite. A page of 500 at once (each cancel failing its blocked dependents) held every RPC answer
 * for 0.2 s in one stretch; each slice's commit waits for a turn of the event loop, so answers go
 * out between slices.
 */
const BULK_SLICE = 50;
/**
 * How long a plugin's report may take. Reports feed the overview, `paas_getReport` and the
 * progress view: one that never answers (a node called without a deadline) must not hang them.
 */
const REPORT_DEADLINE_MS = 5_000;

/**
 * How long a plugin's RPC method may wait on the nodes it asks (its lookups before a submit). A
 * silent node held a call through the JSON-RPC client's retries (four node timeouts: 40 s by
 * default), past the `paas` CLI's own 30 s, which then blamed the prover client.
 */
export const PLUGIN_RPC_DEADLINE_MS = 15_000;

/**
 * How long a read asked for (by RPC, the CLI, a plugin) waits for the task database. A server gone
 * without a reset (a network partition, a host frozen mid-failover) leaves the pool's sessions
 * waiting for an answer until it returns: a status read hung for the whole outage. As long as a
 * new connection may take to open (the pool's connect timeout); the read goes on in the background.
 */
const READ_DEADLINE_MS = 10_000;

/** A running prover service: the handle, plus what the app hosts around it (RPC methods, services). */
export class ProverService implements ProverHandle {
  private closed = false;
  /** The close, once begun. */
  private stopped: Promise<void> | undefined;
  /** Aborted at close: waits still pending end then, since no transition will settle them. */
  private readonly closing = new AbortController();
  /** Bulk retries and cancels, and prunes, running: a close lets each stop at the end of its slice or page. */
  private readonly actions = new Set<Promise<unknown>>();
  /** Tasks somebody waits on, with the checks that settle their waits. */
  private readonly waiting = new Map<string, Set<() => Promise<unknown>>>();
  private waitPoll: NodeJS.Timeout | undefined;
  private services: readonly BackgroundService[] = [];
  private readonly rpc = new Map<string, ContributedRpcMethod>();
  private settleFailed!: (error: Error) => void;
  /**
   * Settles when the service stopped on its own, with why: a newer version of PaaS migrated the
   * shared database while it ran (`stopOnNewerSchema`). Never once `close()` has begun.
   */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.settleFailed = resolve;
  });

  constructor(private readonly parts: ServiceParts) {
    parts.bus.on((t) => {
      if (!TERMINAL_STATUSES.has(t.to)) return;
      for (const check of this.waiting.get(t.id) ?? []) void check();
    });
  }

  /** Called once by the builder after launch: collects plugin RPC methods and starts their services. */
  async startPlugins(): Promise<void> {
    for (const kind of this.parts.kinds.kinds()) {
      const { handler } = this.parts.kinds.get(kind);
      for (const [name, method] of Object.entries(handler.rpcMethods?.(this) ?? {})) {
        const first = this.rpc.get(name);
        if (first) {
          throw new PaasError(
            "INVALID_CONFIG",
            `RPC method ${name} is contributed by both plugin "${first.kind}" and plugin "${kind}"`,
          );
        }
        if (typeof method.mutates !== "boolean") {
          // Unsaid, it would be served as a read, without the bearer token: a plugin in plain
          // JavaScript that left `mutates` out opened its state changes to anyone reaching the port.
          throw new PaasError(
            "INVALID_CONFIG",
            `RPC method ${name} of plugin "${kind}" must say whether it changes state: mutates: true (it then needs the bearer token) or false`,
          );
        }
        this.rpc.set(name, {
          kind,
          description: method.description,
          mutates: method.mutates,
          handler: (params) => this.callPluginMethod(name, method, params),
        });
      }
    }
    this.services = this.parts.kinds
      .kinds()
      .flatMap((kind) => this.parts.kinds.get(kind).handler.services?.(this) ?? []);
    for (const service of this.services) if (service.scope !== "cluster") await service.start();
    await this.parts.membership.start(this.services.filter((s) => s.scope === "cluster"));
  }

  /** Calls a plugin's RPC method under its deadline; a node it waited on past it is named so. */
  private async callPluginMethod(name: string, method: PluginRpcMethod, params: unknown): Promise<unknown> {
    // One controller, aborted by the deadline's timer or by the close, whose listener goes with
    // the call. AbortSignal.any on Node 20 kept each signal it made in a set of its sources', and
    // the close signal lives as long as the service: some 2 kB a call, never given back.
    const call = new AbortController();
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      call.abort();
    }, PLUGIN_RPC_DEADLINE_MS);
    const closing = this.closing.signal;
    const onClose = () => call.abort(closing.reason);
    if (closing.aborted) onClose();
    else closing.addEventListener("abort", onClose, { once: true });
    try {
      return await method.handler(params, { signal: call.signal });
    } catch (error) {
      if (late && error instanceof TransientError) {
        throw new TransientError(
          `${name}: a node it asks did not answer within ${PLUGIN_RPC_DEADLINE_MS / 1_000} s (${error.message})`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      closing.removeEventListener("abort", onClose);
    }
  }

  /** Each plugin's own report, by kind; one that fails or does not answer in time shows `{ error }`. */
  async pluginReports(): Promise<Record<string, Readonly<Record<string, unknown>>>> {
    const entries = await Promise.all(
      this.parts.kinds.kinds().map(async (kind) => {
        const { handler } = this.parts.kinds.get(kind);
        if (!handler.report) return undefined;
        const late = () => new Error(`its report did not answer within ${REPORT_DEADLINE_MS / 1_000} s`);
        try {
          return [kind, await withinDeadline(handler.report(), REPORT_DEADLINE_MS, late)] as const;
        } catch (error) {
          return [kind, { error: errorMessage(error) }] as const;
        }
      }),
    );
    return Object.fromEntries(entries.filter((e) => e !== undefined));
  }

  /** RPC methods contributed by the registered plugins, by name, each with the kind of its plugin. */
  rpcMethods(): ReadonlyMap<string, ContributedRpcMethod> {
    return this.rpc;
  }

  async submit(context: ProofContext, backend: Backend): Promise<SubmitResult> {
    const [result] = await this.submitMany([context], backend);
    return result!;
  }

  async submitMany(contexts: readonly ProofContext[], backend: Backend): Promise<SubmitResult[]> {
    this.assertOpen();
    return refusedForNow(this.parts.scheduler.submitMany(contexts, backend));
  }

  /**
   * The key of a task named by its key or by its context. A context of a kind registered here is
   * read as its plugin reads it at submit (normalised: another spelling names the same task), and
   * one it refuses is said to be invalid rather than answered "not found". A task stored under
   * settings other than today's (say, a range longer than the `max_blocks` now set) is still found
   * as given. A kind this instance does not register (another instance's) is taken as given.
   */
  private async keyOf(task: TaskRef): Promise<string> {
    if (typeof task === "string" || !this.parts.kinds.has(task.context?.kind)) return keyOf(task);
    // As given; this also refuses a context nested too deep to read, before its plugin sees it.
    const given = keyOf(task);
    let parsed: string;
    try {
      parsed = keyOf({ context: parseWithPlugin(this.parts.kinds, task.context), backend: task.backend });
    } catch (error) {
      if (await this.parts.store.get(given)) return given;
      throw error;
    }
    if (parsed !== given && !(await this.parts.store.get(parsed)) && (await this.parts.store.get(given))) {
      return given;
    }
    return parsed;
  }

  status(task: TaskRef): Promise<TaskRecord> {
    return withinReadDeadline(async () => {
      const id = await this.keyOf(task);
      const row = await this.parts.store.get(id);
      if (!row) throw new TaskNotFoundError(id);
      return toTaskRecord(row);
    });
  }

  async summary(): Promise<StatusSummary> {
    const rows = await withinReadDeadline(() => this.parts.store.counts());
    const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatusName, number>;
    let total = 0;
    let waiting = 0;
    for (const row of rows) {
      byStatus[row.status] += row.count;
      total += row.count;
      waiting += row.waiting ?? 0;
    }
    return { total, byStatus, waiting, rows };
  }

  /**
   * When a task of `kind` last completed, as the database records it: the cluster's, whichever
   * instance completed it, and kept across restarts. Undefined when none is kept.
   */
  lastCompletedAt(kind: string): Promise<number | undefined> {
    return this.parts.store.lastCompletedAt(kind);
  }

  /**
   * This instance's proving slots per backend: in use, and claimed tasks whose input is fetched and
   * waits for one (the prefetch). Waiting inputs with idle slots would mean the host is the limit.
   */
  provingLoad(): readonly ProvingLoad[] {
    return this.parts.scheduler.provingLoad();
  }

  async history(task: TaskRef): Promise<readonly TaskAttempt[]> {
    return (await this.statusWithHistory(task)).attempts;
  }

  statusWithHistory(task: TaskRef): Promise<TaskRecordWithHistory> {
    return withinReadDeadline(async () => {
      const id = await this.keyOf(task);
      const found = await this.parts.store.getWithAttempts(id);
      if (!found) throw new TaskNotFoundError(id);
      return Object.assign(toTaskRecord(found.row), { attempts: found.attempts });
    });
  }

  instances(): Promise<readonly InstanceInfo[]> {
    // Under the reads' deadline too: the report and the dashboard's overview read it, and waited
    // for as long as its table was held (a migration, a VACUUM FULL) while the other reads answered.
    return withinReadDeadline(() => this.parts.membership.instances());
  }

  /**
   * Why this instance's writes are not reaching the task database, or undefined while they are:
   * its heartbeat, a write every third of a lease, has not committed for a lease period. Reads may
   * still answer (a standby after a failover, a full disk, a row locked for good) while nothing
   * is claimed, renewed or stored here, and other instances take its tasks.
   */
  writeStall(): string | undefined {
    const overdue = this.parts.membership.heartbeatOverdueMs();
    if (overdue === undefined) return undefined;
    // Why, when the database said: "the database is full" is what an operator can act on.
    const failure = this.parts.membership.heartbeatFailure();
    const why = failure === undefined ? "" : `: ${whyWriteLater(failure) ?? errorMessage(failure)}`;
    return `no write has reached it for ${Math.round(overdue / 1_000)} s (this instance's heartbeat${why}): nothing can be claimed or stored here`;
  }

  /** Whether this instance runs the once-per-cluster services now. */
  get runsClusterServices(): boolean {
    return this.parts.membership.isLeader;
  }

  async list(filter: ListFilter = {}): Promise<TaskPage> {
    if (filter.status !== undefined && !TASK_STATUSES.includes(filter.status)) {
      throw new InvalidParamsError(`unknown status "${filter.status}" (one of ${TASK_STATUSES.join(", ")})`);
    }
    const { rows, nextCursor } = await withinReadDeadline(() =>
      this.parts.store.list(filter, this.parts.clock.now()),
    );
    return { tasks: rows.map(toTaskRecord), ...(nextCursor !== undefined && { nextCursor }) };
  }

  async listCompleted(filter: CompletedFilter): Promise<TaskPage> {
    const { rows, nextCursor } = await withinReadDeadline(() => this.parts.store.listCompleted(filter));
    return { tasks: rows.map(toTaskRecord), ...(nextCursor !== undefined && { nextCursor }) };
  }

  async reproveOutdated(
    task: TaskRef,
    outdated: { readonly attempt: number; readonly error: OutdatedProofError },
  ): Promise<ReproveResult> {
    this.assertOpen();
    const id = await this.keyOf(task);
    const { row, reproven } = await this.parts.scheduler.reproveOutdated(
      id,
      outdated.attempt,
      outdated.error,
    );
    return { task: toTaskRecord(row), reproven };
  }

  async cancel(task: TaskRef): Promise<TaskRecord> {
    this.assertOpen();
    const id = await refusedForNow(this.keyOf(task));
    return (await refusedForNow(this.parts.scheduler.cancel(id))).record;
  }

  async retryMany(filter: TaskFilter): Promise<BulkResult> {
    this.assertOpen();
    const restartable = RESTARTABLE.filter((s) => filter.status === undefined || s === filter.status);
    if (restartable.length === 0) {
      throw new InvalidParamsError(
        `no ${filter.status} task can be retried: only ${RESTARTABLE.join(" and ")} ones can`,
      );
    }
    // Its check of the filter's kinds too: a close that began during it did not wait for the retry,
    // whose pages were then read from a database closed under it.
    return this.operatorAction(async () => {
      // A restart begins with the step the task's plugin says (resolution or proof), so only an
      // instance with that plugin can restart it. A filter may take another instance's kind (a
      // cluster whose machines prove different kinds): refused before any task restarts, since the
      // first such task had failed the call with part of the filter restarted and no count said so.
      const foreign = await this.parts.operator.kindOutside(
        filter,
        restartable,
        this.kinds(),
        this.parts.clock.now(),
      );
      if (foreign !== undefined) {
        throw new PaasError(
          "UNKNOWN_KIND",
          `nothing was retried: tasks of kind "${foreign}" match, and no plugin here proves it ` +
            `(registered: ${this.kinds().join(", ")}); retry them through an instance that has it, or narrow the filter by kind`,
        );
      }
      return this.bulk(
        filter,
        restartable,
        "retried",
        async (row) => (await this.parts.scheduler.restart(row)).restarted,
      );
    });
  }

  async cancelMany(filter: TaskFilter): Promise<BulkResult> {
    this.assertOpen();
    const unfinished = TASK_STATUSES.filter(
      (s) => !TERMINAL_STATUSES.has(s) && (filter.status === undefined || s === filter.status),
    );
    if (unfinished.length === 0) {
      throw new InvalidParamsError(`no ${filter.status} task can be cancelled: only unfinished ones can`);
    }
    return this.operatorAction(() =>
      this.bulk(filter, unfinished, "cancelled", async (row) => {
        try {
          return (await this.parts.scheduler.cancel(row.id)).cancelled;
        } catch (error) {
          if (error instanceof PaasError && error.code === "NOT_CANCELLABLE") return false; // it finished meanwhile
          throw error;
        }
      }),
    );
  }

  /**
   * Acts on every task the filter takes, a slice at a time. Each task's change is its own
   * transaction and stays made: a task the database will not change now (a row another session
   * holds past the role's lock_timeout, a lost connection) stops the action, once the rest of its
   * slice has settled, with an error that says how many it changed. Before, the first such task
   * failed the call with "internal error" while the rest of its slice went on changing after the
   * answer, and the operator could not tell that any had changed.
   */
  private async bulk(
    filter: TaskFilter,
    statuses: readonly TaskStatusName[],
    verb: "retried" | "cancelled",
    act: (row: TaskRow) => Promise<boolean>,
  ): Promise<BulkResult> {
    let matched = 0;
    let changed = 0;
    const tasks = () => `${verb} ${changed} task${changed === 1 ? "" : "s"}`;
    for await (const page of this.parts.operator.matching(filter, statuses, this.parts.clock.now())) {
      matched += page.length;
      for (let i = 0; i < page.length; i += BULK_SLICE) {
        if (this.closed) {
          throw stoppedPartWay(
            new ServiceClosedError(),
            (why) => `${tasks()}, then stopped: ${why}; run the same command again for the tasks left`,
          );
        }
        const slice = page.slice(i, i + BULK_SLICE);
        const outcomes = await Promise.allSettled(slice.map(act));
        changed += outcomes.filter((o) => o.status === "fulfilled" && o.value).length;
        const failed = outcomes.findIndex((o) => o.status === "rejected");
        if (failed >= 0) {
          const { reason } = outcomes[failed] as PromiseRejectedResult;
          throw stoppedPartWay(
            reason,
            (why) =>
              `${tasks()}, then stopped at task ${slice[failed]!.id}: ${why}; run the same command again for the tasks left`,
          );
        }
      }
    }
    return { matched, changed };
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    this.assertOpen();
    if (!(Number.isFinite(options.olderThanMs) && options.olderThanMs >= 0)) {
      throw new InvalidParamsError(
        `olderThanMs must be a non-negative number of milliseconds, got ${options.olderThanMs}`,
      );
    }
    return this.operatorAction(() =>
      this.parts.operator.prune(options, this.parts.clock.now(), this.closing.signal),
    );
  }

  /**
   * Runs a bulk action or a prune so that a close waits for it to stop at the end of its slice or
   * page, saying how far it went. Closed under it, the database ended it part-way: on PostgreSQL
   * its queries waiting for a pooled connection never settled (the pool's end leaves them queued),
   * and on SQLite it failed as an internal error that did not say what it had changed.
   */
  private operatorAction<T>(action: () => Promise<T>): Promise<T> {
    // Refused before it changed anything (its first read): said as such, not as "internal error".
    const running = refusedForNow(action());
    const forget = () => this.actions.delete(running);
    this.actions.add(running);
    running.then(forget, forget);
    return running;
  }

  graph(task: TaskRef): Promise<TaskGraph> {
    return withinReadDeadline(async () => {
      const id = await this.keyOf(task);
      const graph = await this.parts.operator.graph(id);
      if (!graph) throw new TaskNotFoundError(id);
      return graph;
    });
  }

  proof(task: TaskRef): Promise<ProofReceipt> {
    return withinReadDeadline(async () => {
      const id = await this.keyOf(task);
      const receipt = await this.parts.store.receipt(id);
      if (receipt) return receipt;
      const row = await this.parts.store.get(id);
      if (!row) throw new TaskNotFoundError(id);
      throw new ProofNotFoundError(id, row.status);
    });
  }

  async wait(task: TaskRef, options: WaitOptions = {}): Promise<TaskRecord> {
    const id = await this.keyOf(task);
    return new Promise<TaskRecord>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: () => void) => {
        this.waiting.get(id)?.delete(check);
        if (this.waiting.get(id)?.size === 0) this.waiting.delete(id);
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.closing.signal.removeEventListener("abort", onClose);
        outcome();
      };
      const check = () =>
        this.status(id).then(
          (record) => TERMINAL_STATUSES.has(record.status) && finish(() => resolve(record)),
          (error: unknown) => finish(() => reject(error)),
        );
      const onAbort = () => finish(() => reject(options.signal?.reason));
      const onClose = () => finish(() => reject(new ServiceClosedError()));
      if (options.signal?.aborted) return onAbort();
      if (this.closed) return onClose();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.closing.signal.addEventListener("abort", onClose, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            finish(() =>
              reject(new PaasError("WAIT_TIMEOUT", `task ${id} still running after ${options.timeoutMs} ms`)),
            ),
          options.timeoutMs,
        );
      }
      const checks = this.waiting.get(id) ?? new Set();
      checks.add(check);
      this.waiting.set(id, checks);
      this.pollWaitersIfShared();
      void check();
    });
  }

  /**
   * Another instance sharing the database may finish a waited-on task: this one sees no transition
   * then. One poll for all waiters asks which of them are finished.
   */
  private pollWaitersIfShared(): void {
    if (!this.parts.sharedDatabase || this.waitPoll !== undefined) return;
    this.waitPoll = setInterval(() => {
      if (this.waiting.size === 0 || this.closed) {
        clearInterval(this.waitPoll);
        this.waitPoll = undefined;
        return;
      }
      this.parts.store.finishedAmong([...this.waiting.keys()]).then(
        (finished) => {
          for (const id of finished) for (const check of this.waiting.get(id) ?? []) void check();
        },
        () => {}, // the next poll asks again
      );
    }, WAIT_POLL_MS);
    this.waitPoll.unref();
  }

  onTransition(listener: (transition: TaskTransition) => void): () => void {
    return this.parts.bus.on(listener);
  }

  kinds(): readonly string[] {
    return this.parts.kinds.kinds();
  }

  backends(): readonly Backend[] {
    return this.parts.kinds.backends();
  }

  defaultBackend(): Backend {
    return this.parts.defaultBackend;
  }

  backendFor(kind: string): Backend {
    return this.parts.kinds.backendFor(kind);
  }

  /**
   * A newer version of PaaS migrated the shared database under this running instance: it stops, as
   * at a close (held work is released, or taken over once its leases lapse), rather than go on
   * with statements that may no longer fit the tables, and `failed` says why. A restart of this
   * version is refused as well ("written by a newer version"): the instance must run the newer one.
   */
  stopOnNewerSchema(migrations: readonly string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.settleFailed(
      new DatabaseUnusableError(
        `the task database was migrated by a newer version of PaaS while this instance ran (${migrations.join(", ")}): this instance stops; run the newer version in its place`,
      ),
    );
    return this.close();
  }

  /**
   * Stops plugin services (handing the cluster's over), then the scheduler (held work is released
   * for another instance or the next start), then the database.
   */
  close(): Promise<void> {
    // A second close (the app's, once the service stopped itself) waits for the first: returning
    // at once, its caller went on to exit with the held work not yet given back.
    this.stopped ??= this.stop();
    return this.stopped;
  }

  private async stop(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await Promise.allSettled([...this.actions]);
    await this.parts.membership.close();
    for (const service of [...this.services].reverse()) if (service.scope !== "cluster") await service.stop();
    await this.parts.scheduler.close();
    await this.parts.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new ServiceClosedError();
  }
}

/**
 * Settles as `read` does (see `refusedForNow`), or fails as transient once READ_DEADLINE_MS
 * passed without an answer.
 */
function withinReadDeadline<T>(read: () => Promise<T>): Promise<T> {
  return withinDeadline(
    refusedForNow(read()),
    READ_DEADLINE_MS,
    () =>
      new TransientError(
        `the task database did not answer within ${READ_DEADLINE_MS / 1_000} s (unreachable, or a statement waits on a lock); ask again`,
      ),
  );
}

/** Settles as `work` does, or rejects with `late()` once `ms` passed; the timer never outlives it. */
async function withinDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
