import {
  type BackgroundService,
  CompletionFollower,
  type DependencyReceipt,
  errorMessage,
  LOGGER,
  PermanentError,
  PLUGIN_SETTINGS,
  type PluginLogger,
  type PluginRpcMethod,
  type PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProofReceipt,
  type ProverHandle,
  type StepContext,
} from "@paas/core";
import { CHECKPOINT, type CheckpointContext, CL_STF, ClClient, type ClStfContext } from "@paas/rollup";
import { inject } from "tsyringe";
import { admitCheckpoint, checkpointInfo } from "./admission.js";
import { clStfDependencies, parseCheckpointContext, requireCanonicalDependencies } from "./context.js";
import { CheckpointFacts, type CheckpointReport, type StuckCheckpoint } from "./facts.js";
import { type CheckpointInput, checkpointProgram } from "./program.js";
import { publishCheckpoint } from "./publication.js";
import { checkpointRpcMethods } from "./rpc.js";
import { CheckpointRunner } from "./runner.js";
import { type CheckpointSettings, parseCheckpointSettings } from "./settings.js";
import { stuckInTaskDatabase } from "./stuck-elsewhere.js";

/** How old the CL facts may be before `report()` asks the CL itself (when the runner is off or stalled). */
const REPORT_MAX_AGE_MS = 10_000;
const REPORT_CL_TIMEOUT_MS = 1_000;

/**
 * Checkpoint proofs: aggregates the CL STF proofs of checkpoint `index` (epoch `index`) into one
 * `BatchTransition` proof, publishes it to the CL, and (with its runner) keeps up with the CL's
 * checkpoints on its own. See the README for the checks, the publication and the runner.
 */
@ProofPlugin({
  kind: CHECKPOINT.kind,
  dependsOn: [CL_STF.kind],
  program: checkpointProgram,
  description: "Aggregates an epoch's CL STF proofs into a checkpoint proof and publishes it to the CL",
  settings: parseCheckpointSettings,
})
export class CheckpointPlugin implements ProofPluginHandler<CheckpointContext, CheckpointInput> {
  readonly settings: CheckpointSettings;
  readonly #facts = new CheckpointFacts();
  readonly #logger: PluginLogger;
  #reportRefresh: Promise<void> | undefined;
  #handle: ProverHandle | undefined;
  /** Checkpoint tasks completed by any instance: `lastAccepted` is the cluster's. */
  readonly #completions = new CompletionFollower(CHECKPOINT.kind, (task) => {
    const index = Number(task.taskId.context.index);
    if (Number.isSafeInteger(index)) this.#facts.completed(index);
  });

  constructor(
    @inject(ClClient) private readonly cl: ClClient,
    @inject(PLUGIN_SETTINGS) settings: PluginSettings,
    @inject(LOGGER) logger: PluginLogger,
  ) {
    this.settings = parseCheckpointSettings(settings.for(CHECKPOINT.kind));
    this.#logger = logger;
    // Until this instance is elected to run it, if ever (a worker never is).
    if (this.settings.runner) this.#facts.runner = "elsewhere";
  }

  parseContext(raw: ProofContext): CheckpointContext {
    return parseCheckpointContext(raw);
  }

  /**
   * The CL STF contexts covering the checkpoint's L2 range, in slot order: one for the whole epoch,
   * or pieces of at most `cl_stf_max_slots` slots when that setting is given.
   */
  dependencies(context: CheckpointContext, step: StepContext): Promise<ClStfContext[]> {
    return clStfDependencies(this.cl, context.index, this.settings, step.signal);
  }

  /** A checkpoint more than `horizon` beyond the CL's latest is refused; one within it waits. */
  admit(context: CheckpointContext, options: { readonly signal: AbortSignal }): Promise<void> {
    return admitCheckpoint(this.cl, context.index, this.settings.horizon, options.signal);
  }

  /**
   * The CL's batch info for the checkpoint and the CL STF receipts, in slot order, once the CL
   * still has the blocks their contexts name (see `requireCanonicalDependencies`).
   */
  async fetchInput(
    context: CheckpointContext,
    dependencies: readonly DependencyReceipt[],
    step: StepContext,
  ): Promise<CheckpointInput> {
    const batch = await checkpointInfo(this.cl, context.index, this.settings.horizon, step.signal);
    const parts = dependencies.map((dependency) => {
      const dep = dependency.taskId.context;
      if (dep.kind !== CL_STF.kind) {
        throw new PermanentError(
          `checkpoint ${context.index}: dependency of kind "${dep.kind}" is not a ${CL_STF.kind} proof`,
        );
      }
      return { context: dep as ClStfContext, receipt: dependency.receipt };
    });
    await requireCanonicalDependencies(
      this.cl,
      context.index,
      parts.map((p) => p.context),
      step.signal,
    );
    // The scheduler hands them in the order `dependencies` returned them; sorting costs nothing and
    // does not weaken anything (the guest checks continuity and coverage).
    parts.sort((a, b) => a.context.start.slot - b.context.start.slot);
    return { batch, receipts: parts.map((p) => p.receipt) };
  }

  /**
   * Publication: `cl_submitCheckpointProof`, unless the CL has it, and only of a proof of the CL's
   * chain now (one of blocks it has since replaced is dropped to be proven again); see `publishCheckpoint`.
   */
  async afterStore(context: CheckpointContext, receipt: ProofReceipt, step: StepContext): Promise<void> {
    await publishCheckpoint(this.cl, context.index, receipt, step.signal, { outdated: true });
    this.#facts.accepted(context.index);
  }

  rpcMethods(handle: ProverHandle): Readonly<Record<string, PluginRpcMethod>> {
    this.#handle = handle;
    return checkpointRpcMethods(handle, this.cl, handle.backendFor(CHECKPOINT.kind), this.#facts);
  }

  services(handle: ProverHandle): readonly BackgroundService[] {
    return [
      new CheckpointRunner({
        cl: this.cl,
        handle,
        settings: { ...this.settings, backend: handle.backendFor(CHECKPOINT.kind) },
        facts: this.#facts,
        logger: this.#logger,
      }),
    ];
  }

  /**
   * From memory, which the runner and the publication keep current. When the runner is off (or has
   * not polled for a while), the CL indices are refreshed with one short call, shared by concurrent
   * reports; a CL that does not answer leaves them as they were and shows in `lastError`. The
   * checkpoint tasks completed since the last report are read from the task database (whichever
   * instance completed them), and, with the runner on another instance, what holds the CL back.
   */
  async report(): Promise<CheckpointReport> {
    const polledAt = this.#facts.polledAtMs;
    if (polledAt === undefined || Date.now() - polledAt > REPORT_MAX_AGE_MS) {
      this.#reportRefresh ??= this.#refresh().finally(() => {
        this.#reportRefresh = undefined;
      });
      await this.#reportRefresh;
    }
    // A read that fails leaves what was read before; the next report reads on from there.
    if (this.#handle !== undefined) await this.#completions.catchUp(this.#handle).catch(() => {});
    const own = this.#facts.snapshot();
    if (own.runner !== "elsewhere" || this.#handle === undefined) return own;
    const snapshot = { ...own, runnerErrors: null, outage: null };
    let stuck: StuckCheckpoint[];
    try {
      stuck = await stuckInTaskDatabase(this.#handle, snapshot, this.settings.window);
    } catch (error) {
      // The CL's view stays: the checkpoint gauges read it from this report.
      return { ...snapshot, lastError: `report: the task database: ${errorMessage(error)}` };
    }
    const held = stuck.map((s) => `${s.index} (${s.status})`);
    return {
      ...snapshot,
      failed: stuck.map((s) => s.index),
      stuck,
      attention:
        held.length === 0
          ? null
          : `${held.length === 1 ? "checkpoint" : "checkpoints"} ${held.join(", ")} ${held.length === 1 ? "holds" : "hold"} the CL back; the checkpoint runner runs on another instance, whose report says whether it submits ${held.length === 1 ? "it" : "them"} again`,
    };
  }

  async #refresh(): Promise<void> {
    // The whole refresh, retries included: a report waits on it, and so do the progress view, the
    // dashboard and the metrics. Bounded per try only, a slow CL held each of them four times as long.
    const signal = AbortSignal.timeout(REPORT_CL_TIMEOUT_MS);
    try {
      const options = { timeoutMs: REPORT_CL_TIMEOUT_MS, signal };
      const [latest, next] = await Promise.all([
        this.cl.getLatestCheckpointIndex(options),
        this.cl.getNextUnprovenCheckpointIndex(options),
      ]);
      this.#facts.polled(latest, next, Date.now());
    } catch (error) {
      const why = signal.aborted
        ? `the CL did not answer within ${REPORT_CL_TIMEOUT_MS} ms`
        : errorMessage(error);
      this.#facts.lastError = `report: ${why}`;
    }
  }
}
