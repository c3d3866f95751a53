/**
 * Workarounds for @paas/evm issues that make a long-running chain grow without bound (reported;
 * remove once fixed there). Both are invisible to callers.
 */
import type { Common } from "@ethereumjs/common";
import type { ChainBlock } from "@paas/evm";

/**
 * `ExecutionChain` builds a fresh VM per block with the chain's own `Common`, and @ethereumjs's EVM
 * constructor subscribes to that Common's `hardforkChanged` event and never unsubscribes: every
 * block's VM (opcode tables, journal…) stays reachable forever. The VM is discarded once the block
 * is built, so the listeners it left are detached. The hardfork is fixed (Prague from genesis), so
 * the event never fires anyway.
 */
export function detachListenersAddedSince(common: Common, before: ReadonlySet<unknown>): void {
  for (const listener of common.events.listeners("hardforkChanged")) {
    if (!before.has(listener)) common.events.off("hardforkChanged", listener);
  }
}

export function hardforkListeners(common: Common): ReadonlySet<unknown> {
  return new Set(common.events.listeners("hardforkChanged"));
}

/**
 * @ethereumjs's `bytesToHex` appends one byte at a time, so `ExecutionChain` stores each block's RLP
 * and witness as V8 rope strings of ~30× their flat size (about 0.8 MiB per block here). Converting
 * a string to a number makes V8 flatten it in place; the rope's pieces become garbage.
 */
export function flattenStoredHex(block: ChainBlock): void {
  const flatten = (text: string) => void Number(text);
  flatten(block.rlp);
  flatten(block.hash);
  for (const list of [block.witness.state, block.witness.codes, block.witness.keys, block.witness.headers]) {
    for (const text of list) flatten(text);
  }
}
