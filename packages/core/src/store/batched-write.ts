import type { Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { Committed, WriteJob } from "./write-batcher.js";

interface Waiting<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Items of one kind handed in while their write waits for the group commit go into that write as
 * one statement: on PostgreSQL, where each statement is a round trip on the connection the group
 * commit holds, eight finishes of a turn cost one round trip instead of eight. The write takes
 * every item handed in until it starts; later items open the next write. If the shared statement
 * fails, each item is written alone, so one bad item cannot fail the others.
 */
export class BatchedWrite<Item, Result> {
  private open: Waiting<Item, Result>[] | undefined;

  constructor(
    private readonly write: <T>(job: WriteJob<T>, committed?: Committed<T>) => Promise<T>,
    /** Writes `items` in `trx`, returning one result per item, in their order. */
    private readonly writeMany: (trx: Transaction<Database>, items: readonly Item[]) => Promise<Result[]>,
    /** Told each item's result once it committed, as `WriteBatcher.run`'s `committed` is. */
    private readonly committed: Committed<Result> = () => {},
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (!this.open) {
        this.open = [];
        void this.run(this.open);
      }
      this.open.push({ item, resolve, reject });
    });
  }

  private async run(batch: Waiting<Item, Result>[]): Promise<void> {
    let results: Result[];
    try {
      results = await this.write(
        (trx) => {
          if (this.open === batch) this.open = undefined;
          return this.writeMany(
            trx,
            batch.map((w) => w.item),
          );
        },
        (results) => {
          for (const result of results) this.committed(result);
        },
      );
    } catch (error) {
      // The write may have failed before its job ran (a transaction whose `begin` met a session the
      // server ended): the batch is still open, and items handed in from now on must open the next
      // write, not join one that is over. Those that joined until now are in `batch`.
      if (this.open === batch) this.open = undefined;
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const waiting of batch) {
        this.write(
          (trx) => this.writeMany(trx, [waiting.item]),
          ([result]) => this.committed(result!),
        ).then(([result]) => waiting.resolve(result!), waiting.reject);
      }
      return;
    }
    for (const [i, waiting] of batch.entries()) waiting.resolve(results[i]!);
  }
}
