import {
  CompletionFollower,
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
import { fetchRange } from "./fetcher.js";
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
  paths: ["chain_spec_file"],
})
export class EvmEeStfPlugin implements ProofPluginHandler<EvmEeStfContext, EvmEeStfInput> {
  readonly settings: EvmEeStfSettings;
  private readonly common: ReturnType<typeof createCommon>;
  private readonly chainSpecHash: Hex;
  private latestProven: { number: number; hash: string } | undefined;
  /** The completed tasks of this kind, whichever instance proved them (this one may claim none). */
  private readonly completions = new CompletionFollower(EVM_EE_STF.kind, (task) =>
    this.noteProven(task.taskId.context),
  );
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
    this.handle = handle;
    return {
      paas_proveElBlocks: proveElBlocksMethod(handle, this.el, {
        maxBlocks: this.settings.maxBlocks,
        parseContext: (raw) => this.parseContext(raw),
      }),
    };
  }

  /**
   * The highest EL block proven (by any completed task of this kind, whichever instance completed
   * it), the chain spec, the range cap, and this instance's last input fetch.
   */
  async report(): Promise<Readonly<Record<string, unknown>>> {
    // A read that fails leaves what was read before; the next report reads on from there.
    if (this.handle !== undefined) await this.completions.catchUp(this.handle).catch(() => {});
    return {
      latestProvenBlock: this.latestProven ?? null,
      chainSpec: {
        source: this.settings.chainSpecSource,
        hash: this.chainSpecHash,
        spec: this.settings.chainSpec,
      },
      maxBlocks: this.settings.maxBlocks,
      // This process's own: the cluster's fetches are spread over the instances that claim the kind.
      ...(this.lastFetch && { lastFetchOnThisInstance: this.lastFetch }),
    };
  }

  private noteProven(raw: ProofContext): void {
    const end = (raw as Partial<EvmEeStfContext>).end;
    if (end === undefined) return;
    if (this.latestProven === undefined || end.number > this.latestProven.number) {
      this.latestProven = { number: end.number, hash: end.hash };
    }
  }
}
