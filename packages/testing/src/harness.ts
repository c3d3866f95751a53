import { randomBytes } from "node:crypto";
import {
  type Clock,
  type DatabaseLocation,
  PaasError,
  PLUGIN_SETTINGS,
  PluginSettings,
  type ProofContext,
  type ProofPluginClass,
  type ProofReceipt,
  type ProverService,
  ProverServiceBuilder,
  type ProverServiceOptions,
  pluginCatalogue,
  pluginDefinitionOf,
  type RetryPolicy,
  type TaskRecord,
  type TaskStatusName,
  type TaskTransition,
  TERMINAL_STATUSES,
  taskKey,
  type ZkVmHost,
} from "@paas/core";
import { isProgram, NativeHost } from "@paas/zkvm";
import { container as rootContainer } from "tsyringe";
import { applyOverrides, type Override } from "./overrides.js";
import { type StandIn, StandInHost, StandInPlugin, signReceipt } from "./stand-ins.js";

export interface HarnessOptions {
  /** The plugins under test, by class or by kind (from the catalogue of imported plugins). */
  readonly plugins: readonly (ProofPluginClass | string)[];
  /** Collaborators to replace in the plugins' container: RPC clients, config values. */
  readonly overrides?: readonly Override[];
  /** Proof types the plugins depend on, stood in for (see `StandIn`). */
  readonly standIns?: readonly StandIn[];
  /**
   * `[plugin_settings.<kind>]` as the prover client would pass them, checked as it checks them
   * (each plugin's `settings` check; no section for a kind not registered). Without them, plugins
   * read empty sections and nothing is checked: a test that overrides the collaborator built from
   * the settings (a node client) needs none.
   */
  readonly pluginSettings?: Readonly<Record<string, unknown>>;
  /**
   * The task database: `:memory:` (the default), a file path to test what survives a restart
   * (close the harness, then open another on the same file and, to keep the key, `privateKey`), or
   * a location (a PostgreSQL schema, e.g. `@paas/core/testing`'s) that several harnesses share, as
   * the instances of a cluster do.
   */
  readonly database?: string | DatabaseLocation;
  /** What this instance claims (`ProverServiceOptions.claim`): an instance that proves none of a kind. */
  readonly claim?: ProverServiceOptions["claim"];
  /** The native host's key (32 bytes); default a fresh random key per harness. */
  readonly privateKey?: Uint8Array;
  /** Default "native". */
  readonly backend?: string;
  /**
   * Kinds whose tasks go to another backend than `backend` when nobody names one (the prover
   * client's `[kinds.<kind>] backend`), served by the same hosts: tests of per-kind routing.
   */
  readonly kindBackends?: Readonly<Record<string, string>>;
  /** Native host worker threads; default 2. */
  readonly workers?: number;
  /** Default: fast retries (20 ms base, ×2, capped at 200 ms, 5 retries) so failures show quickly. */
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
}

export interface ProveOutcome<Output = unknown> {
  readonly record: TaskRecord;
  /** Present when the task completed. */
  readonly receipt?: ProofReceipt;
  /** The receipt's public values decoded by the plugin's program. */
  readonly output?: Output;
}

export const FAST_RETRY: Partial<RetryPolicy> = {
  baseDelayMs: 20,
  multiplier: 2,
  maxDelayMs: 200,
  maxRetries: 5,
};

/**
 * One call stands up the real scheduler on an in-memory SQLite store, a real native host (worker
 * threads, real signatures) with a fresh key, and the plugins under test in a fresh child
 * container with the test's overrides. Nothing is shared between harnesses.
 */
export async function createPluginHarness(options: HarnessOptions): Promise<PluginHarness> {
  const backend = options.backend ?? "native";
  const secretKey = options.privateKey ?? randomBytes(32);
  // Not under SCHED_IDLE: a proving thread there runs only while a CPU is idle, and on a loaded
  // CI machine (load 15 on 2 cores) a checkpoint's first proof took over a minute. At the host's
  // nice increment the main thread (RPC, scheduler) still has the larger share.
  const host = new NativeHost({
    workers: options.workers ?? 2,
    privateKey: secretKey,
    idleScheduling: false,
  });
  const standInHost = new StandInHost(backend, secretKey);
  const standInKinds = new Set((options.standIns ?? []).map((s) => s.kind));
  const container = rootContainer.createChildContainer();
  if (options.pluginSettings !== undefined) {
    container.registerInstance(PLUGIN_SETTINGS, new PluginSettings(options.pluginSettings));
  }
  applyOverrides(container, options.overrides ?? []);
  const transitions: TaskTransition[] = [];
  const kindBackends = options.kindBackends ?? {};
  const backends = new Set([backend, ...Object.values(kindBackends)]);
  const builder = new ProverServiceBuilder({
    database:
      typeof options.database === "object" ? options.database : { path: options.database ?? ":memory:" },
    ...(options.claim && { claim: options.claim }),
    defaultBackend: backend,
    kinds: Object.fromEntries(Object.entries(kindBackends).map(([kind, b]) => [kind, { backend: b }])),
    container,
    retry: { ...FAST_RETRY, ...options.retry },
    pollIntervalMs: 1_000,
    ...(options.clock && { clock: options.clock }),
  })
    .hosts({
      backends: () => [...backends].map((b) => ({ backend: b, concurrency: host.concurrency })),
      hostFor: (kind, b): ZkVmHost | undefined =>
        !backends.has(b) ? undefined : standInKinds.has(kind) ? standInHost : host,
    })
    .onTransition((t) => transitions.push(t));
  for (const plugin of options.plugins) builder.register(plugin);
  for (const standIn of options.standIns ?? []) {
    builder.registerHandler({ kind: standIn.kind, program: standIn.program }, new StandInPlugin(standIn));
  }
  let service: ProverService;
  try {
    service = await builder.launch();
  } catch (error) {
    await host.close();
    throw error;
  }
  return new PluginHarness(service, host, secretKey, backend, transitions, options.plugins);
}

export class PluginHarness {
  constructor(
    readonly service: ProverService,
    readonly host: NativeHost,
    private readonly secretKey: Uint8Array,
    readonly backend: string,
    /** Every committed transition, in order. */
    readonly transitions: TaskTransition[],
    private readonly plugins: readonly (ProofPluginClass | string)[],
  ) {}

  /** The host's x-only public key, which verifiers (e.g. a CL) must trust. */
  get publicKey(): Uint8Array {
    return this.host.publicKey;
  }

  keyOf(context: ProofContext): string {
    return taskKey({ context, backend: this.backend });
  }

  async submit(context: ProofContext): Promise<TaskRecord> {
    return (await this.service.submit(context, this.backend)).task;
  }

  /** Submits (idempotently) and waits until the task completes, fails permanently or is cancelled. */
  async prove<Output = unknown>(
    context: ProofContext,
    options: { timeoutMs?: number } = {},
  ): Promise<ProveOutcome<Output>> {
    const { task } = await this.service.submit(context, this.backend);
    const record = await this.waitForTask(task.id, options.timeoutMs);
    if (record.status !== "completed") return { record };
    const receipt = await this.service.proof(task.id);
    return { record, receipt, output: this.decode(context.kind, receipt) as Output };
  }

  /** Waits for a task that is already submitted (e.g. a dependency) to finish. */
  async waitFor(context: ProofContext, options: { timeoutMs?: number } = {}): Promise<TaskRecord> {
    return this.waitForTask(this.keyOf(context), options.timeoutMs);
  }

  private async waitForTask(id: string, timeoutMs = 60_000): Promise<TaskRecord> {
    try {
      return await this.service.wait(id, { timeoutMs });
    } catch (error) {
      // The service's timeout names only the task; a test needs to see where it got stuck and why.
      if (!(error instanceof PaasError && error.code === "WAIT_TIMEOUT")) throw error;
      throw new PaasError(
        "WAIT_TIMEOUT",
        `timed out after ${timeoutMs} ms waiting for task ${id}: ${await this.whereIs(id)}`,
        { cause: error },
      );
    }
  }

  /**
   * Waits until the task reaches `status` (terminal or not), e.g. `transient_failure`, and gives its
   * record: in that status, or as it is now when it already moved on.
   */
  async waitForStatus(
    context: ProofContext,
    status: TaskStatusName,
    timeoutMs = 30_000,
  ): Promise<TaskRecord> {
    const id = this.keyOf(context);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.service.status(id);
      if (record.status === status) return record;
      // A status held only between two looks is still reached: the log has it.
      if (this.transitions.some((t) => t.id === id && t.to === status)) return record;
      if (TERMINAL_STATUSES.has(record.status))
        throw new Error(`task ${id} ended without being ${status}: ${await this.whereIs(id)}`);
      if (Date.now() > deadline) {
        throw new PaasError(
          "WAIT_TIMEOUT",
          `timed out after ${timeoutMs} ms waiting for task ${id} to be ${status}: ${await this.whereIs(id)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** A task's status and the last error it recorded, for a failed wait's message. */
  private async whereIs(id: string): Promise<string> {
    const { status } = await this.service.status(id);
    const error = this.transitions.findLast((t) => t.id === id && t.error !== undefined)?.error;
    return `it is ${status}${error === undefined ? "" : `, last error: ${error}`}`;
  }

  /** The statuses a task went through, in order. */
  statusesOf(context: ProofContext): TaskStatusName[] {
    const id = this.keyOf(context);
    return this.transitions.filter((t) => t.id === id).map((t) => t.to);
  }

  /** A receipt for any program, signed with this harness's host key (for dependency inputs). */
  receiptFor(
    program: { name: string; version: string; proofType?: "core" | "compressed" | "groth16" },
    publicValues: Uint8Array,
  ): ProofReceipt {
    return signReceipt(this.secretKey, program, publicValues);
  }

  /** Stops the service, then the host's workers. */
  async close(): Promise<void> {
    await this.service.close();
    await this.host.close();
  }

  private decode(kind: string, receipt: ProofReceipt): unknown {
    for (const plugin of this.plugins) {
      const definition =
        typeof plugin === "string" ? pluginCatalogue.get(plugin) : pluginDefinitionOf(plugin);
      if (definition?.kind === kind && isProgram(definition.program))
        return definition.program.readOutput(receipt.publicValues);
    }
    return undefined;
  }
}
