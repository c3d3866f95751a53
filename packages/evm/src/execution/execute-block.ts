import type { Block, BlockHeader } from "@ethereumjs/block";
import type { AfterBlockEvent, RunBlockResult, VM } from "@ethereumjs/vm";
import { runBlock } from "@ethereumjs/vm";
import { validateBlockAgainstParent } from "../chain/validate-header.js";
import { describeError, EvmError } from "../errors.js";
import { settleWithinTurn } from "./settle.js";
import { checkRequestContracts, checkSystemContracts, watchCheckedSystemCalls } from "./system-calls.js";

export interface ExecutedBlock {
  /** The block with the header fields execution computed (state root, receipts root, bloom, gas used, ...). */
  readonly block: Block;
  readonly result: RunBlockResult;
}

/**
 * Runs one block on a VM, the same way for recording (building a block on full state) and for
 * stateless re-execution, so both read the trie identically: rules that need the parent, the
 * start-of-block system-contract checks, then `runBlock` with `generate: true` (and the
 * end-of-block ones after it), which computes the header's
 * execution fields instead of comparing them; the stateless side compares them itself, each with
 * its own error code.
 */
export async function executeBlock(vm: VM, block: Block, parent: BlockHeader): Promise<ExecutedBlock> {
  const blockNumber = block.header.number;
  validateBlockAgainstParent(block, parent);
  await checkSystemContracts(vm, block);
  const systemCalls = watchCheckedSystemCalls(vm, block);
  let sealed: Block | undefined;
  const onAfterBlock = (event: AfterBlockEvent) => {
    sealed = event.block;
  };
  vm.events.on("afterBlock", onAfterBlock);
  try {
    const result = await settleWithinTurn(runBlock(vm, { block, generate: true }), blockNumber);
    await checkRequestContracts(vm, block);
    systemCalls.check();
    if (sealed === undefined) throw new Error("runBlock finished without its afterBlock event");
    return { block: sealed, result };
  } catch (error) {
    if (error instanceof EvmError) throw error;
    throw new EvmError(
      "INVALID_BLOCK",
      `block ${blockNumber}: execution rejected the block: ${describeError(error)}`,
      {
        blockNumber,
        cause: error,
      },
    );
  } finally {
    systemCalls.detach();
    vm.events.off("afterBlock", onAfterBlock);
  }
}
