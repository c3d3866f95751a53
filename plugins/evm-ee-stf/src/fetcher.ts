import { PermanentError, TransientError } from "@paas/core";
import {
  type BlockRlpSummary,
  checkWitnessLimits,
  type createCommon,
  inspectBlockRlp,
  isEvmError,
  requireExecutedRules,
} from "@paas/evm";
import {
  type ElBlock,
  type ElClient,
  EVM_EE_STF,
  type EvmEeStfContext,
  type ExecutionWitness,
  missingElBlockError,
  ReorgError,
  toHex,
} from "@paas/rollup";
import { HORIZON_SETTING } from "./admission.js";
import { rangeLength } from "./context.js";
import type { EvmEeStfInput, FramedBlockInput } from "./input.js";
import { frameBlockInput, witnessBytes } from "./input.js";
import type { EvmEeStfSettings } from "./settings.js";

type Common = ReturnType<typeof createCommon>;

export interface FetchedRange {
  readonly input: EvmEeStfInput;
  /** Bytes of witness (nodes, codes, headers) over the range. */
  readonly witnessBytes: number;
  readonly fetchMs: number;
}

/**
 * Reads a range from the EL node and builds the program input. For each block: its RLP
 * (`debug_getRawBlock(n)`, exactly the bytes the program takes), inspected without building
 * @ethereumjs objects (`inspectBlockRlp`: number, timestamp, hash computed from the header's
 * bytes, parent hash, transactions' chain ids), and its witness (`debug_executionWitness(n)`),
 * checked against the witness limits. The blocks at `start` and `end` must hash to the context's hashes (a
 * `ReorgError` otherwise, naming both), the blocks must link by parent hash, and once every witness
 * is in, the node must still serve the context's `end` block (so no witness was read from a chain
 * that replaced it).
 *
 * The node must serve the chain spec's chain id first (else permanent, naming the setting).
 *
 * Classification: node failures keep their own (timeouts, 5xx: transient; a permanent one is
 * prefixed with the block it was for); a block the node does
 * not have yet waits while it is within the horizon of the node's latest (`missingElBlockError`); RLP that does not decode or is another block than the one asked for,
 * witnesses over the limits, transactions of another chain, blocks under rules the program does not
 * execute and reorgs are permanent; blocks that do
 * not link while both ends match mean the node's chain moved during the fetch, which is transient.
 */
export async function fetchRange(
  el: ElClient,
  context: EvmEeStfContext,
  settings: EvmEeStfSettings,
  common: Common,
  signal: AbortSignal,
): Promise<FetchedRange> {
  signal.throwIfAborted();
  const started = performance.now();
  const count = rangeLength(context);
  if (count > settings.maxBlocks) {
    throw new PermanentError(
      `blocks ${context.start.number}..${context.end.number} are ${count} blocks, more than max_blocks = ${settings.maxBlocks}`,
    );
  }
  // One failure stops the other fetches of the range.
  const local = new AbortController();
  const abort = () => local.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  const options = { signal: local.signal };
  const fetched: (FetchedBlock | undefined)[] = new Array(count);
  let inputBytes = 0;
  let blocks: FetchedBlock[];
  try {
    requireNodeChain(context, await el.chainId(options), common);
    await forEachBounded(count, settings.fetchConcurrency, async (index) => {
      const block = await fetchBlock(
        el,
        context,
        context.start.number + index,
        common,
        settings.horizon,
        options,
      );
      // Each witness is capped on its own; together they could still be more than a machine holds.
      inputBytes += block.inputBytes;
      if (inputBytes > settings.maxInputBytes)
        throw inputTooLarge(context, block.number, inputBytes, settings);
      fetched[index] = block;
    }).catch((error: unknown) => {
      local.abort(error);
      throw error;
    });
    blocks = fetched.map((block, index) => {
      if (block === undefined) throw new Error(`block ${context.start.number + index} was not fetched`);
      return block;
    });
    requireLinked(blocks);
    requireEnd(context, await el.getBlockByNumber(context.end.number, false, options));
  } finally {
    signal.removeEventListener("abort", abort);
  }
  return {
    input: { chainSpec: settings.chainSpec, blocks: blocks.map((b) => b.input) },
    witnessBytes: blocks.reduce((sum, b) => sum + b.witnessBytes, 0),
    fetchMs: performance.now() - started,
  };
}

interface FetchedBlock {
  readonly number: number;
  /** The hash computed here from the header's bytes, never the node's claim. */
  readonly hash: string;
  readonly parentHash: string;
  readonly input: FramedBlockInput;
  readonly witnessBytes: number;
  /** The block's RLP and its witness. */
  readonly inputBytes: number;
}

async function fetchBlock(
  el: ElClient,
  context: EvmEeStfContext,
  number: number,
  common: Common,
  horizon: number,
  options: { signal: AbortSignal },
): Promise<FetchedBlock> {
  await yieldToEventLoop();
  const rlp = await rawBlock(el, number, horizon, options);
  // One walk over the RLP and one keccak of the header (~1 µs per transaction): no @ethereumjs
  // objects on this thread. The guest decodes and checks the block fully.
  let block: BlockRlpSummary;
  try {
    block = inspectBlockRlp(rlp, { label: `block ${number}` });
  } catch (error) {
    throw new PermanentError(`block ${number}: the EL node's raw block is unusable: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (block.number !== BigInt(number)) {
    throw new PermanentError(
      `block ${number}: the EL node's raw block is block ${block.number}, not the block ${number} asked for`,
    );
  }
  const hash = toHex(block.hash);
  if (number === context.start.number && hash !== context.start.hash) {
    throw new ReorgError(
      "EL",
      "start",
      { at: context.start.number, id: context.start.hash },
      { at: number, id: hash },
    );
  }
  if (number === context.end.number && hash !== context.end.hash) {
    throw new ReorgError(
      "EL",
      "end",
      { at: context.end.number, id: context.end.hash },
      { at: number, id: hash },
    );
  }
  requireChainId(number, block.transactionChainIds, common);
  requireRulesExecuted(context, block, common);
  await yieldToEventLoop();
  const witness = await el.getExecutionWitness(number, options).catch((error: unknown) => {
    throw namingBlock(number, error);
  });
  checkWitness(witness, number);
  const unframed = { rlp, witness: { state: witness.state, codes: witness.codes, headers: witness.headers } };
  await yieldToEventLoop();
  // Encoded now, block by block between network waits, not in one pass over the range at proving.
  const input = frameBlockInput(unframed);
  const witnessSize = witnessBytes(unframed.witness);
  return {
    number,
    hash,
    parentHash: toHex(block.parentHash),
    input,
    witnessBytes: witnessSize,
    inputBytes: rlp.length + witnessSize,
  };
}

function inputTooLarge(
  context: EvmEeStfContext,
  number: number,
  bytes: number,
  settings: EvmEeStfSettings,
): PermanentError {
  const mib = (n: number) => Math.ceil(n / (1024 * 1024));
  return new PermanentError(
    `blocks ${context.start.number}..${context.end.number}: the EL node's blocks and witnesses passed ` +
      `max_input_mb = ${mib(settings.maxInputBytes)} at block ${number} (${mib(bytes)} MiB fetched): split the range, ` +
      `or raise plugin_settings.${EVM_EE_STF.kind}.max_input_mb`,
  );
}

/**
 * Lets I/O waiting on the event loop (e.g. the prover's own RPC requests) run before the next call
 * to the node. A call's answer is read, parsed and validated by the JSON-RPC client in one chain of
 * promise jobs, and without a turn in between, `fetch_concurrency` such chains per task fill whole
 * loop iterations. Measured with two 64-block tasks on the devnet (README, "Fetch cost"):
 * `paas_getTaskStatus` p99 11.7–22.6 ms without these turns, 7.3–15.1 ms with them, at the same
 * fetch time.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** JSON-RPC's "not found" (-32004), as the devnet answers `debug_getRawBlock` for a block it lacks. */
const NOT_FOUND = -32004;

/**
 * A node's answer that fails for good (malformed, too large, refused) says which call failed, not for
 * which block: the message names it. Transient failures keep their own error, retried as it says.
 */
function namingBlock(number: number, error: unknown): unknown {
  if (!(error instanceof PermanentError)) return error;
  return new PermanentError(`block ${number}: ${error.message}`, { cause: error });
}

/**
 * `debug_getRawBlock(n)`. A block the node does not have, however the node says so (geth with an
 * error: -32000, transient anyway; the devnet with -32004; some nodes with empty bytes or `null`), waits or
 * fails as `missingElBlockError` decides from the node's latest block.
 */
async function rawBlock(
  el: ElClient,
  number: number,
  horizon: number,
  options: { signal: AbortSignal },
): Promise<Uint8Array> {
  const missing = { signal: options.signal, horizon: { blocks: horizon, setting: HORIZON_SETTING } };
  let rlp: Uint8Array;
  try {
    rlp = await el.getRawBlock(number, options);
  } catch (error) {
    if ((error as { rpcCode?: unknown } | null)?.rpcCode === NOT_FOUND) {
      throw await missingElBlockError(el, number, { ...missing, cause: error });
    }
    throw namingBlock(number, error);
  }
  if (rlp.length === 0) throw await missingElBlockError(el, number, missing);
  return rlp;
}

/**
 * The node's own chain id must be the chain spec's: transactions' chain ids tell only for blocks that
 * carry replay-protected ones, and an empty block of another chain executes the same under any spec.
 */
function requireNodeChain(context: EvmEeStfContext, actual: number, common: Common): void {
  const expected = common.chainId();
  if (BigInt(actual) === expected) return;
  throw new PermanentError(
    `blocks ${context.start.number}..${context.end.number}: the EL node serves chain ${actual}, but this ` +
      `plugin executes chain ${expected}; set plugin_settings.${EVM_EE_STF.kind}.chain_spec to the EL's chain spec`,
  );
}

/** Transactions signed for another chain mean the plugin is configured for the wrong chain. */
function requireChainId(number: number, chainIds: readonly (bigint | undefined)[], common: Common): void {
  const expected = common.chainId();
  for (const [index, actual] of chainIds.entries()) {
    // undefined: a legacy transaction without replay protection, valid on any chain.
    if (actual !== undefined && actual !== expected) {
      throw new PermanentError(
        `block ${number}: transaction ${index} is for chain ${actual}, but this plugin executes ` +
          `chain ${expected}; set plugin_settings.evm-ee-stf.chain_spec to the EL's chain spec`,
      );
    }
  }
}

/**
 * A block under rules the program does not execute (a fork after Prague; before the merge, which
 * the context refuses already unless it was stored under another spec) is refused before its
 * witness is fetched: admission looks only when the node answers it, and never at a CL STF's
 * dependencies, and the program would refuse the block after every witness of the range was in.
 */
function requireRulesExecuted(context: EvmEeStfContext, block: BlockRlpSummary, common: Common): void {
  try {
    requireExecutedRules(common, block.number, block.timestamp);
  } catch (error) {
    if (!isEvmError(error)) throw error;
    throw new PermanentError(`blocks ${context.start.number}..${context.end.number}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function checkWitness(witness: ExecutionWitness, number: number): void {
  try {
    checkWitnessLimits(witness, { label: `block ${number}` });
  } catch (error) {
    throw new PermanentError(`the EL node's witness is unusable: ${messageOf(error)}`, { cause: error });
  }
}

function requireLinked(blocks: readonly FetchedBlock[]): void {
  for (let i = 1; i < blocks.length; i++) {
    const block = blocks[i]!;
    const parent = blocks[i - 1]!;
    if (block.parentHash !== parent.hash) {
      throw new TransientError(
        `the EL node's chain changed during the fetch: block ${block.number}'s parent hash ` +
          `${block.parentHash} is not the hash ${parent.hash} of the block ${parent.number} it served`,
      );
    }
  }
}

function requireEnd(context: EvmEeStfContext, end: ElBlock | null): void {
  if (end === null) throw new TransientError(`the EL node no longer has block ${context.end.number}`);
  const hash = toHex(end.hash);
  if (hash !== context.end.hash)
    throw new ReorgError(
      "EL",
      "end",
      { at: context.end.number, id: context.end.hash },
      { at: context.end.number, id: hash },
    );
}

/** Runs `task(0..count-1)` with at most `limit` in flight; rejects with the first failure. */
async function forEachBounded(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

function messageOf(error: unknown): string {
  if (isEvmError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
