import { PermanentError, TransientError } from "@paas/core";
import { blockFromRpc, checkWitnessLimits, type createCommon, isEvmError } from "@paas/evm";
import {
  type ElBlock,
  type ElClient,
  type EvmEeStfContext,
  type ExecutionWitness,
  toHex,
} from "@paas/rollup";
import { rangeLength } from "./context.js";
import { ReorgError } from "./errors.js";
import type { EvmEeStfBlockInput, EvmEeStfInput } from "./input.js";
import { witnessBytes } from "./input.js";
import type { EvmEeStfSettings } from "./settings.js";

type Common = ReturnType<typeof createCommon>;

export interface FetchedRange {
  readonly input: EvmEeStfInput;
  /** Bytes of witness (nodes, codes, headers) over the range. */
  readonly witnessBytes: number;
  readonly fetchMs: number;
}

/**
 * Reads a range from the EL node and builds the program input. For each block: the block with
 * full transactions (`eth_getBlockByNumber(n, true)`), rebuilt and required to hash to what the
 * node claims, and its witness (`debug_executionWitness(n)`), checked against the witness limits.
 * Then: the blocks at `start` and `end` must be the context's (a `ReorgError` otherwise, naming both
 * hashes), the blocks must link by parent hash, and once every witness is in, the node must still
 * serve the context's `end` block (so no witness was read from a chain that replaced it).
 *
 * Classification: node failures keep their own (timeouts, 5xx: transient); a block the node does
 * not have yet is transient; blocks that do not rebuild, witnesses over the limits, transactions
 * of another chain and reorgs are permanent; blocks that do not link while both ends match mean the
 * node's chain moved during the fetch, which is transient.
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
  let blocks: FetchedBlock[];
  try {
    await forEachBounded(count, settings.fetchConcurrency, async (index) => {
      fetched[index] = await fetchBlock(el, context, context.start.number + index, common, options);
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
    input: { chain: settings.chain, blocks: blocks.map((b) => b.input) },
    witnessBytes: blocks.reduce((sum, b) => sum + witnessBytes(b.input.witness), 0),
    fetchMs: performance.now() - started,
  };
}

interface FetchedBlock {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly input: EvmEeStfBlockInput;
}

async function fetchBlock(
  el: ElClient,
  context: EvmEeStfContext,
  number: number,
  common: Common,
  options: { signal: AbortSignal },
): Promise<FetchedBlock> {
  const block = await el.getBlockByNumber(number, true, options);
  if (block === null) throw new TransientError(`the EL node has no block ${number} (yet)`);
  const hash = toHex(block.hash);
  if (number === context.start.number && hash !== context.start.hash) {
    throw new ReorgError(number, context.start.hash, hash, "start");
  }
  if (number === context.end.number && hash !== context.end.hash) {
    throw new ReorgError(number, context.end.hash, hash, "end");
  }
  requireChainId(block, common);
  let rlp: Uint8Array;
  // Rebuilding a block costs about a millisecond per transaction (@ethereumjs copies the Common
  // and rebuilds its parameter cache for each): give the event loop a turn first, so a range's
  // rebuilds never run as one long task that keeps RPC calls waiting.
  await new Promise((resolve) => setImmediate(resolve));
  try {
    rlp = blockFromRpc(block.json, common).serialize();
  } catch (error) {
    throw new PermanentError(`block ${number}: the node's block cannot be rebuilt: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const witness = await el.getExecutionWitness(number, options);
  checkWitness(witness, number);
  return {
    number,
    hash,
    parentHash: toHex(block.parentHash),
    input: { rlp, witness: { state: witness.state, codes: witness.codes, headers: witness.headers } },
  };
}

/** Transactions signed for another chain mean the plugin is configured for the wrong chain. */
function requireChainId(block: ElBlock, common: Common): void {
  const transactions = block.json.transactions;
  if (!Array.isArray(transactions)) return;
  const expected = common.chainId();
  for (const [index, tx] of transactions.entries()) {
    const chainId = (tx as { chainId?: unknown } | null)?.chainId;
    if (typeof chainId !== "string") continue;
    let actual: bigint;
    try {
      actual = BigInt(chainId);
    } catch {
      continue; // Left to the block rebuild, which names the field.
    }
    if (actual !== expected) {
      throw new PermanentError(
        `block ${block.number}: transaction ${index} is for chain ${actual}, but this plugin executes ` +
          `chain ${expected}; set plugin_settings.evm-ee-stf.chain_id`,
      );
    }
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
  if (hash !== context.end.hash) throw new ReorgError(context.end.number, context.end.hash, hash, "end");
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
