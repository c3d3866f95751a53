import { isFileLocked } from "./database-errors.js";

/**
 * How long a write waits for another process to let go of the SQLite file's write lock (an
 * operator's sqlite3 shell in a write transaction, a backup tool) before it is refused: as long as
 * SQLite's busy timeout once made it wait, so what went through then goes through now.
 */
export const FILE_LOCK_WAIT_MS = 5_000;

/**
 * SQLite's busy timeout once the database is open: how long a statement may hold this thread
 * waiting for another process's lock. better-sqlite3 is synchronous, and a write waiting out 5 s
 * held every RPC answer, `/ready`, `/metrics` and lease renewal 5 s at a time for as long as the
 * lock was held; a lock held longer than this is waited for by `whileFileLocked`, between turns.
 */
export const SERVING_BUSY_TIMEOUT_MS = 20;

/**
 * Settles as `attempt` does; one refused because another process holds the SQLite file locked
 * is made again after a pause (10 ms doubling to 250 ms), the event loop free meanwhile, until
 * `FILE_LOCK_WAIT_MS` have passed: then its SQLITE_BUSY is thrown. `attempt` must be safe to
 * make again: a transaction that met SQLITE_BUSY was rolled back. Any other error is thrown at once.
 */
export async function whileFileLocked<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + FILE_LOCK_WAIT_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isFileLocked(error) || performance.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
