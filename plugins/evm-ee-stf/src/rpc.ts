import { InvalidParamsError, type PluginRpcMethod, type ProverHandle } from "@paas/core";
import { type ElClient, EVM_EE_STF, type EvmEeStfContext, toHex } from "@paas/rollup";

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
  return {
    description:
      "Prove EL blocks start..end (inclusive) by stateless re-execution. Params: start, end (block " +
      "numbers), optional backend (default: the evm-ee-stf kind's). Returns { id, created, task }.",
    mutates: true,
    async handler(params) {
      const { start, end, backend } = parseParams(params, options.maxBlocks);
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

function parseParams(params: unknown, maxBlocks: number): { start: number; end: number; backend?: string } {
  if (!Array.isArray(params) || params.length < 2 || params.length > 3) {
    throw new InvalidParamsError(`${METHOD} takes [start, end] or [start, end, backend] by position`);
  }
  const start = blockNumber(params[0], "start");
  const end = blockNumber(params[1], "end");
  if (end < start) throw new InvalidParamsError(`${METHOD}: end (${end}) is before start (${start})`);
  if (end - start + 1 > maxBlocks) {
    throw new InvalidParamsError(
      `${METHOD}: blocks ${start}..${end} are ${end - start + 1} blocks, more than max_blocks = ${maxBlocks}`,
    );
  }
  const backend = params[2];
  if (backend !== undefined && (typeof backend !== "string" || backend.length === 0)) {
    throw new InvalidParamsError(`${METHOD}: backend must be a backend name, got ${JSON.stringify(backend)}`);
  }
  return { start, end, ...(backend !== undefined && { backend }) };
}

function blockNumber(value: unknown, name: string): number {
  const parsed =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^0x[0-9a-fA-F]{1,14}$/.test(value)
        ? Number.parseInt(value, 16)
        : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidParamsError(
      `${METHOD}: ${name} must be a block number (a non-negative integer or 0x quantity), got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}
