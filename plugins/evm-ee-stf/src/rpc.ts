import {
  backendParam,
  chainNumberParam,
  InvalidParamsError,
  type PluginRpcMethod,
  type ProverHandle,
  parseParamsWith,
  rangeCheck,
} from "@paas/core";
import { type ElClient, EVM_EE_STF, type EvmEeStfContext, toHex } from "@paas/rollup";
import { z } from "zod";

const METHOD = "paas_proveElBlocks";

/**
 * `paas_proveElBlocks(start, end, backend?)`: looks the blocks' hashes up on the EL node, builds
 * the context and submits it (idempotently). Block numbers are integers or hex quantities
 * (`"0x1f"`). Answers `{ id, created, task }` like `paas_submitTask`.
 */
export function proveElBlocksMethod(
  handle: ProverHandle,
  el: ElClient,
  options: { readonly maxBlocks: number; parseContext(raw: EvmEeStfContext): EvmEeStfContext },
): PluginRpcMethod {
  const schema = paramsSchema(options.maxBlocks);
  return {
    description:
      "Prove EL blocks start..end (inclusive) by stateless re-execution. Params: start, end (block " +
      "numbers), optional backend (default: the evm-ee-stf kind's). Returns { id, created, task }.",
    mutates: true,
    async handler(params, call) {
      const [start, end, backend] = parseParamsWith(METHOD, schema, params);
      const lookup = { signal: call?.signal };
      const [startBlock, endBlock] = await Promise.all([
        el.getBlockByNumber(start, false, lookup),
        start === end ? Promise.resolve(null) : el.getBlockByNumber(end, false, lookup),
      ]);
      if (startBlock === null) throw new InvalidParamsError(`${METHOD}: the EL node has no block ${start}`);
      const last = start === end ? startBlock : endBlock;
      if (last === null) throw new InvalidParamsError(`${METHOD}: the EL node has no block ${end}`);
      const context = options.parseContext({
        kind: EVM_EE_STF.kind,
        start: { number: start, hash: toHex(startBlock.hash) },
        end: { number: end, hash: toHex(last.hash) },
      });
      const { task, created } = await handle.submit(context, backend ?? handle.backendFor(EVM_EE_STF.kind));
      return { id: task.id, created, task };
    },
  };
}

/** `[start, end, backend?]`, in the words every plugin's methods use (core's param schemas). */
function paramsSchema(maxBlocks: number) {
  const block = (name: string) =>
    chainNumberParam(name, "a block number", "block 0 is the genesis block, never proven");
  return z
    .tuple([block("start"), block("end"), backendParam()], {
      error: "expected [start, end] or [start, end, backend]",
    })
    .superRefine(
      rangeCheck({ start: "start", end: "end", unit: "blocks", max: maxBlocks, limit: "max_blocks" }),
    );
}
