import type { ProverHandle } from "./contracts/handle.js";
import type { TaskRecord } from "./contracts/status.js";

/**
 * How far before the latest completion seen each read starts again. Completion times are the
 * completing instance's clock (instances' clocks agree within a few seconds, see the architecture's
 * multi-instance section) and commit a moment after they are taken: a task another instance
 * completed just before the last one seen may commit after the read that saw that one.
 */
export const COMPLETIONS_REREAD_MS = 60_000;
const PAGE = 1_000;

/**
 * Follows the completed tasks of one kind across a cluster, from the task database: what a
 * plugin's report derives from them (the highest block proven, the last checkpoint accepted) is
 * then the cluster's, not what this process completed, which on an instance that does not claim
 * the kind is nothing. The first `catchUp` reads every completed task of the kind; each later one
 * what completed since the last it saw (`ProverHandle.listCompleted`, one range of an index), less
 * `COMPLETIONS_REREAD_MS`, so `onCompleted` must take a task seen before as it took it then.
 * Concurrent calls share one read; one that fails leaves what was read, and the next goes on
 * from there. A turn of the event loop between pages: SQLite answers on the app's thread, and a
 * first read of 60,000 completed tasks held every RPC answer for 0.2–0.7 s in one stretch.
 */
export class CompletionFollower {
  /** The latest completion time read so far. */
  private readUntil: number | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly kind: string,
    private readonly onCompleted: (task: TaskRecord) => void,
  ) {}

  catchUp(handle: ProverHandle): Promise<void> {
    this.reading ??= this.read(handle).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(handle: ProverHandle): Promise<void> {
    const since = this.readUntil === undefined ? 0 : Math.max(0, this.readUntil - COMPLETIONS_REREAD_MS);
    let cursor: string | undefined;
    do {
      const page = await handle.listCompleted({ kind: this.kind, since, limit: PAGE, cursor });
      for (const task of page.tasks) {
        this.onCompleted(task);
        this.readUntil = Math.max(this.readUntil ?? 0, task.updatedAt);
      }
      cursor = page.nextCursor;
      if (cursor !== undefined) await new Promise((resolve) => setImmediate(resolve));
    } while (cursor !== undefined);
  }
}
