import {
  type DependencyReceipt,
  PermanentError,
  PLUGIN_SETTINGS,
  type PluginRpcMethod,
  type PluginSettings,
  type ProofContext,
  ProofPlugin,
  type ProofPluginHandler,
  type ProverHandle,
  type StepContext,
} from "@paas/core";
import {
  CL_STF,
  ClClient,
  type ClStfContext,
  ElClient,
  EVM_EE_STF,
  type EvmEeStfContext,
  missingElBlockError,
  type RollupParams,
  toHex,
} from "@paas/rollup";
import { inject } from "tsyringe";
import { admitClRange, blocksInRange, chainstateAt } from "./admission.js";
import {
  epochCrossing,
  evmEeStfContextFor,
  parseClStfContext,
  requireContextBlocks,
  requireLinkedChainstate,
  slotsPerEpochMismatch,
} from "./context.js";
import { type ClStfInput, clStfProgram, EVM_EE_STF_EXPECTED } from "./program.js";
import { PROVE_CL_BLOCKS, proveClBlocksMethod } from "./rpc.js";
import { type ClStfSettings, parseClStfSettings } from "./settings.js";

/**
 * Proves a range of L2 blocks of one epoch (the CL STF), on top of an EVM EE STF proof of the EL
 * blocks the range carries. See the README for the guest's checks and the failure classification.
 */
@ProofPlugin({
  kind: CL_STF.kind,
  dependsOn: [EVM_EE_STF.kind],
  program: clStfProgram,
  description: "CL STF: a range of signed L2 blocks of one epoch applied to the chainstate before it",
  settings: parseClStfSettings,
})
export class ClStfPlugin implements ProofPluginHandler<ClStfContext, ClStfInput> {
  readonly settings: ClStfSettings;

  constructor(
    @inject(ClClient) private readonly cl: ClClient,
    @inject(ElClient) private readonly el: ElClient,
    @inject(PLUGIN_SETTINGS) settings: PluginSettings,
  ) {
    this.settings = parseClStfSettings(settings.for(CL_STF.kind));
  }

  parseContext(raw: ProofContext): ClStfContext {
    return parseClStfContext(raw, this.settings.slotsPerEpoch);
  }

  /** A range the CL contradicts, or too far ahead of it to wait for, is refused; see `admitClRange`. */
  admit(context: ClStfContext, options: { readonly signal: AbortSignal }): Promise<void> {
    return admitClRange(this.cl, context, this.settings.horizon, options.signal);
  }

  /**
   * The EVM EE STF proof of the EL blocks the range carries. Reads the range's blocks from the CL,
   * checks the range is one epoch's and the blocks are the context's, and that the EL node has the
   * first and last EL blocks with the hashes the CL blocks carry.
   */
  async dependencies(context: ClStfContext, step: StepContext): Promise<readonly ProofContext[]> {
    const { signal } = step;
    const params = await this.cl.getRollupParams({ signal });
    this.requireOneEpoch(context, params);
    const blocks = await blocksInRange(this.cl, context, params, this.settings.horizon, signal);
    requireContextBlocks(context, blocks);
    const evmContext = evmEeStfContextFor(blocks);
    await this.requireElBlocks(evmContext, blocks[0]!.header.slot, blocks.at(-1)!.header.slot, signal);
    return [evmContext];
  }

  /** The pre-state, the blocks, the params, and the dependency's receipt. */
  async fetchInput(
    context: ClStfContext,
    dependencies: readonly DependencyReceipt[],
    step: StepContext,
  ): Promise<ClStfInput> {
    const evm = dependencies.find((d) => d.taskId.context.kind === EVM_EE_STF.kind);
    if (evm === undefined) {
      throw new PermanentError(
        `slots ${context.start.slot}..${context.end.slot}: no ${EVM_EE_STF.kind} dependency receipt was handed in`,
      );
    }
    const { signal } = step;
    const params = await this.cl.getRollupParams({ signal });
    this.requireOneEpoch(context, params);
    // The blocks first, read as `dependencies` reads them: a CL without them yet (a replica behind
    // the one the range was resolved against) is waited for, not a permanent failure. The
    // chainstate before them likewise: another call, which a replica further behind may answer.
    const { horizon } = this.settings;
    const blocks = await blocksInRange(this.cl, context, params, horizon, signal);
    requireContextBlocks(context, blocks);
    const chainstate = await chainstateAt(this.cl, context.start.slot - 1, params, horizon, signal);
    requireLinkedChainstate(chainstate, blocks[0]!);
    return { params, chainstate, blocks, evmEeReceipt: evm.receipt };
  }

  rpcMethods(handle: ProverHandle): Readonly<Record<string, PluginRpcMethod>> {
    return {
      [PROVE_CL_BLOCKS]: proveClBlocksMethod({
        handle,
        cl: this.cl,
        defaultBackend: handle.backendFor(CL_STF.kind),
        slotsPerEpoch: this.settings.slotsPerEpoch,
      }),
    };
  }

  async report(): Promise<Readonly<Record<string, unknown>>> {
    const short = (id: Uint8Array) => `${toHex(id).slice(0, 10)}…`;
    return {
      program: `${clStfProgram.name}@${clStfProgram.version} ${short(clStfProgram.programId)}`,
      verifies: `${EVM_EE_STF.program.name}@${EVM_EE_STF.program.version} ${short(EVM_EE_STF_EXPECTED.programId)}`,
      epochCheck: this.settings.slotsPerEpoch === undefined ? "at dependency resolution" : "at submit",
    };
  }

  /** The range is one epoch's under the CL's params, and the settings (if any) agree with them. */
  private requireOneEpoch(context: ClStfContext, params: RollupParams): void {
    const mismatch = slotsPerEpochMismatch(this.settings.slotsPerEpoch, params);
    if (mismatch !== undefined) throw new PermanentError(mismatch);
    const problem = epochCrossing(context.start.slot, context.end.slot, params);
    if (problem !== undefined) throw new PermanentError(problem);
  }

  /**
   * The EL node has the range's first and last EL blocks, with the hashes the CL blocks carry. A
   * missing block past the node's latest is waited for (the node is behind the CL); one at or below
   * it is a retried failure (pruned, syncing, another chain); another hash is permanent.
   */
  private async requireElBlocks(
    evm: EvmEeStfContext,
    startSlot: number,
    endSlot: number,
    signal: AbortSignal,
  ): Promise<void> {
    const ends = [
      [evm.start, startSlot],
      [evm.end, endSlot],
    ] as const;
    for (const [ref, slot] of evm.start.number === evm.end.number ? ends.slice(0, 1) : ends) {
      const block = await this.el.getBlockByNumber(ref.number, false, { signal });
      if (block === null) {
        throw await missingElBlockError(this.el, ref.number, {
          signal,
          neededBy: `, which the L2 block at slot ${slot} carries`,
        });
      }
      const hash = toHex(block.hash);
      if (hash !== ref.hash) {
        throw new PermanentError(
          `the L2 block at slot ${slot} carries EL block ${ref.number} ${ref.hash}, the EL node's block ${ref.number} is ${hash}`,
        );
      }
    }
  }
}
