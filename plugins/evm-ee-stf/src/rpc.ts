import { InvalidParamsError, type PluginRpcMethod, type ProverHandle, parseParamsWith } from "@paas/core";
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
    async handler(params) {
      const [start, end, backend] = parseParamsWith(METHOD, schema, params);
      const [startBlock, endBlock] = await Promise.all([
        el.getBlockByNumber(start, false),
        start === end ? Promise.resolve(null) : el.getBlockByNumber(end, false),
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

const blockNumber = (name: string) => {
  const problem = `${name}: a block number (a non-negative integer or 0x quantity)`;
  return z
    .union([z.int(problem), z.string(problem).regex(/^0x[0-9a-fA-F]{1,14}$/, problem)], { error: problem })
    .transform((value) => (typeof value === "number" ? value : Number.parseInt(value, 16)))
    .refine((value) => value >= 0 && Number.isSafeInteger(value), problem);
};

/** `[start, end, backend?]`; messages name the param, since zod's path is only its position. */
function paramsSchema(maxBlocks: number) {
  return z
    .tuple(
      [
        blockNumber("start"),
        blockNumber("end"),
        z
          .string("backend: a backend name")
          .min(1, "backend: a backend name")
          .max(32, "backend: a backend name of at most 32 characters")
          .optional(),
      ],
      { error: "expected [start, end] or [start, end, backend]" },
    )
    .refine(([start, end]) => start <= end, { message: "end must not be before start", path: [1] })
    .refine(([start, end]) => end - start + 1 <= maxBlocks, {
      message: `at most max_blocks = ${maxBlocks} blocks per proof`,
      path: [1],
    });
}
