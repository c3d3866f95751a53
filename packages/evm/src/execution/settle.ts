import { EvmError } from "../errors.js";

/**
 * Awaits a block execution, and fails it if it has not settled once the event loop moves on.
 * Executing from memory schedules nothing but promise jobs, so a run settles before the next
 * macrotask; one still pending then is waiting on a promise nobody will resolve (the library bug
 * `SafeMerkleStateManager` works around is one such), and would otherwise hang its caller forever.
 */
export async function settleWithinTurn<T>(run: Promise<T>, blockNumber: bigint): Promise<T> {
  let timer: NodeJS.Immediate | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setImmediate(() =>
      reject(
        new EvmError(
          "EXECUTION_STALLED",
          `block ${blockNumber}: execution did not settle (a promise inside the EVM library was dropped)`,
          { blockNumber },
        ),
      ),
    );
  });
  try {
    return await Promise.race([run, stalled]);
  } finally {
    clearImmediate(timer);
  }
}
