import {
  type DependencyReceipt,
  InvalidConfigError,
  PLUGIN_SETTINGS,
  type PluginRpcMethod,
  type PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProofReceipt,
  type ProverHandle,
  type StepContext,
} from "@paas/core";
import { chainSpecHash, createCommon } from "@paas/evm";
import { ElClient, EVM_EE_STF, type EvmEeStfContext, EvmEeStfOutputSsz, type Hex, toHex } from "@paas/rollup";
import { inject } from "tsyringe";
import { admitElRange } from "./admission.js";
import { parseEvmEeStfContext } from "./context.js";
import { fetchRange, yieldToEventLoop } from "./fetcher.js";
import type { EvmEeStfInput } from "./input.js";
import { evmEeStfProgram } from "./program.js";
import { proveElBlocksMethod } from "./rpc.js";
import { type EvmEeStfSettings, parseEvmEeStfSettings } from "./settings.js";

interface LastFetch {
  readonly start: number;
  readonly end: number;
  readonly witnessBytes: number;
  readonly fetchMs: number;
}

/**
 * The EVM EE STF proof type: proves a range of EL blocks by re-executing them statelessly from
 * their execution witnesses (see `evmEeStfProgram`). Needs an `ElClient` (registered under the
 * `ElClient` class) and reads `[plugin_settings.evm-ee-stf]` (see `EvmEeStfSettingsSchema`).
 */
@ProofPlugin({
  kind: EVM_EE_STF.kind,
  program: evmEeStfProgram,
  description: "EL blocks re-executed statelessly from execution witnesses",
  settings: parseEvmEeStfSettings,
})
export class EvmEeStfPlugin implements ProofPluginHandler<EvmEeStfContext, EvmEeStfInput> {
  readonly settings: EvmEeStfSettings;
  private readonly common: ReturnType<typeof createCommon>;
  private readonly chainSpecHash: Hex;
  private latestProven: { number: number; hash: string } | undefined;
  private scanned: Promise<void> | undefined;
  private handle: ProverHandle | undefined;
  private lastFetch: LastFetch | undefined;

  constructor(
    @inject(ElClient) private readonly el: ElClient,
    @inject(PLUGIN_SETTINGS) pluginSettings: PluginSettings,
  ) {
    this.settings = parseEvmEeStfSettings(pluginSettings.for(EVM_EE_STF.kind));
    try {
      this.common = createCommon(this.settings.chainSpec);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new InvalidConfigError(`plugin_settings.${EVM_EE_STF.kind}: ${why}`);
    }
    this.chainSpecHash = chainSpecHash(this.settings.chainSpec);
  }

  parseContext(raw: ProofContext): EvmEeStfContext {
    return parseEvmEeStfContext(raw, this.settings.maxBlocks, this.settings.chainSpec.mergeForkBlock);
  }

  /** A range the EL node contradicts, or too far ahead of it to wait for, is refused; see `admitElRange`. */
  admit(context: EvmEeStfContext, options: { readonly signal: AbortSignal }): Promise<void> {
    return admitElRange(this.el, context, this.settings.horizon, this.common, options.signal);
  }

  async fetchInput(
    context: EvmEeStfContext,
    _dependencies: readonly DependencyReceipt[],
    step: StepContext,
  ): Promise<EvmEeStfInput> {
    const fetched = await fetchRange(this.el, context, this.settings, this.common, step.signal);
    this.lastFetch = {
      start: context.start.number,
      end: context.end.number,
      witnessBytes: fetched.witnessBytes,
      fetchMs: Math.round(fetched.fetchMs),
    };
    return fetched.input;
  }

  /**
   * A proof made under another chain spec than the one configured now: the operator corrected the
   * spec, and the CL STF, which requires its params' spec hash, would refuse the old proof.
   */
  staleProofReason(receipt: ProofReceipt): string | undefined {
    const proven = toHex(EvmEeStfOutputSsz.deserialize(receipt.publicValues).chainSpecHash);
    if (proven === this.chainSpecHash) return undefined;
    return `proven under chain spec ${proven}, configured now ${this.chainSpecHash} (${this.settings.chainSpecSource})`;
  }

  rpcMethods(handle: ProverHandle): Readonly<Record<string, PluginRpcMethod>> {
    this.track(handle);
    return {
      paas_proveElBlocks: proveElBlocksMethod(handle, this.el, {
        maxBlocks: this.settings.maxBlocks,
        parseContext: (raw) => this.parseContext(raw),
      }),
    };
  }

  /** The highest EL block proven (by any completed task of this kind), the chain spec, the range cap. */
  async report(): Promise<Readonly<Record<string, unknown>>> {
    if (this.handle !== undefined) {
      const handle = this.handle;
      this.scanned ??= this.scan(handle).catch(() => {
        this.scanned = undefined;
      });
      await this.scanned;
    }
    return {
      latestProvenBlock: this.latestProven ?? null,
      chainSpec: {
        source: this.settings.chainSpecSource,
        hash: this.chainSpecHash,
        spec: this.settings.chainSpec,
      },
      maxBlocks: this.settings.maxBlocks,
      ...(this.lastFetch && { lastFetch: this.lastFetch }),
    };
  }

  /** Follows completed tasks from now on; `report()` scans the ones completed before once. */
  private track(handle: ProverHandle): void {
    this.handle = handle;
    handle.onTransition((transition) => {
      if (transition.kind === EVM_EE_STF.kind && transition.to === "completed")
        this.noteProven(transition.context);
    });
  }

  /**
   * Every page: tasks come oldest submitted first, and a later block may have been proven early.
   * A turn of the event loop between pages: SQLite answers on this thread, so the pages of a large
   * store (60,000 completed tasks of 100,000) held every RPC answer for 0.2–0.7 s in one stretch,
   * at the first dashboard overview, progress view or report after a start.
   */
  private async scan(handle: ProverHandle): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await handle.list({ kind: EVM_EE_STF.kind, status: "completed", limit: 1000, cursor });
      for (const task of page.tasks) this.noteProven(task.taskId.context);
      cursor = page.nextCursor;
      if (cursor !== undefined) await yieldToEventLoop();
    } while (cursor !== undefined);
  }

  private noteProven(raw: ProofContext): void {
    const end = (raw as Partial<EvmEeStfContext>).end;
    if (end === undefined) return;
    if (this.latestProven === undefined || end.number > this.latestProven.number) {
      this.latestProven = { number: end.number, hash: end.hash };
    }
  }
}
