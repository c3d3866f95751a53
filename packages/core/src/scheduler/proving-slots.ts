import type { Backend } from "../contracts/task-id.js";

/** Fetching inputs ahead of free proving slots, so a slot that frees starts proving at once. */
export interface PrefetchOptions {
  /** Tasks claimed per backend beyond its free slots. Default: as many as it has slots; 0: none. */
  readonly depth?: number;
  /**
   * Fetch ahead only while this process's JavaScript heap, byte arrays included, holds less than
   * this. Default 1 GiB.
   */
  readonly maxHeapBytes?: number;
}

export const DEFAULT_PREFETCH_MAX_HEAP_BYTES = 1024 * 1024 * 1024;

/** One backend's proving slots on this instance, as `ProverService.provingLoad()` reports them. */
export interface ProvingLoad {
  readonly backend: Backend;
  /** Slots proving now. */
  readonly busy: number;
  /** Claimed tasks whose input is fetched and waits for a slot. */
  readonly waiting: number;
  readonly capacity: number;
}

/** Where a waiting input stands: as claims serve tasks, lowest priority, then `seq`, first. */
export interface SlotRank {
  readonly priority: number;
  readonly seq: number;
}

/**
 * A backend's proving slots, separate from its claims: a claimed task fetches its input at once
 * and waits here only for the host. So inputs are fetched ahead of a free slot (up to the prefetch
 * bound) and a host never waits on the network when work is ready. Waiters are served in the
 * claims' order, not as their fetches ended: in fetch order, a task queued late but first in
 * priority (a checkpoint whose dependencies just finished, a retry) waited behind every input
 * fetched ahead of it, and inputs of one claim proved in whatever order their nodes answered.
 */
export class ProvingSlots {
  private used = 0;
  /** Sorted by rank; at most the prefetch depth, so inserting in place is cheap beside a proof. */
  private readonly waiting: { readonly rank: SlotRank; readonly grant: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Slots in use now. */
  get busy(): number {
    return this.used;
  }

  /** Inputs fetched and waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once a slot is this caller's; rejects with the signal's reason if it aborts first. */
  acquire(signal: AbortSignal, rank: SlotRank): Promise<void> {
    signal.throwIfAborted();
    if (this.used < this.capacity) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal.reason);
      };
      const waiter = {
        rank,
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const behind = this.waiting.findIndex((w) => before(rank, w.rank));
      this.waiting.splice(behind === -1 ? this.waiting.length : behind, 0, waiter);
    });
  }

  /** Hands the slot to the first waiter in rank, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.used--;
  }
}

function before(a: SlotRank, b: SlotRank): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}
