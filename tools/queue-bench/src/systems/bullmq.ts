import { createPostgresBackend, Queue, Worker, withBackend } from "bullmq";
import { dropSchema, freshSchemaName, POSTGRES_URL } from "../postgres.js";
import type { RedisEndpoint } from "../redis-server.js";
import { batchIndexes, countdown, type QueueSystem, type StartedSystem } from "../system.js";

/*
 * BullMQ as its guide sets it up: a Queue to add with (`addBulk`, one call per batch) and a Worker
 * with `concurrency` slots. Completed jobs are kept (`removeOnComplete` left at its default,
 * false), as PaaS keeps every task with its receipt and history. Lock renewal and the stalled-job
 * check stay on, as PaaS's leases do.
 */

interface NoopData {
  readonly index: number;
}

/** What the measurement needs of a queue and its worker, whichever backend they run on. */
interface QueueAndWorker {
  ready(): Promise<unknown>;
  add(indexes: readonly number[]): Promise<unknown>;
  /** Calls `listener` for every job the worker completed; returns how to stop. */
  onCompleted(listener: () => void): () => void;
  /** Closes the worker, removes every job of the queue, closes the queue. */
  close(): Promise<void>;
}

function pair(
  queue: Pick<Queue<NoopData>, "waitUntilReady" | "obliterate" | "close"> & {
    addBulk(jobs: { name: string; data: NoopData }[]): Promise<unknown>;
  },
  worker: {
    waitUntilReady(): Promise<unknown>;
    on(event: "completed", listener: () => void): unknown;
    off(event: "completed", listener: () => void): unknown;
    close(): Promise<void>;
  },
): QueueAndWorker {
  return {
    ready: () => Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]),
    add: (indexes) => queue.addBulk(indexes.map((index) => ({ name: "noop", data: { index } }))),
    onCompleted(listener) {
      worker.on("completed", listener);
      return () => worker.off("completed", listener);
    },
    async close() {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

async function measured(bull: QueueAndWorker, dispose: () => Promise<void>): Promise<StartedSystem> {
  await bull.ready();
  return {
    async run(jobs, batch) {
      const completed = countdown(jobs);
      const stop = bull.onCompleted(() => completed.tick());
      for (let i = 0; i < jobs; i += batch) await bull.add(batchIndexes(i, batch, jobs));
      await completed.done;
      stop();
    },
    async stop() {
      await bull.close();
      await dispose();
    },
  };
}

const noop = async () => {};

/** BullMQ on Redis; each round on a queue of its own, obliterated afterwards. */
export function bullmqRedis(redis: RedisEndpoint): QueueSystem {
  return {
    name: "BullMQ Redis",
    async start(concurrency) {
      // Workers block on Redis: BullMQ requires connections that never give up on a command.
      const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
      const name = freshSchemaName("bench");
      const queue = new Queue<NoopData>(name, { connection });
      const worker = new Worker<NoopData>(name, noop, { connection, concurrency });
      return measured(pair(queue, worker), async () => {});
    },
  };
}

/** BullMQ's PostgreSQL backend on a fresh schema (migrated on connect), dropped afterwards. */
export const bullmqPostgres: QueueSystem = {
  name: "BullMQ PostgreSQL",
  async start(concurrency) {
    const schema = freshSchemaName("qb_bullmq");
    const connection = { connectionString: POSTGRES_URL, schema, migrate: true };
    const onPostgres = withBackend(createPostgresBackend);
    const queue = new onPostgres.Queue<NoopData>("bench", { connection });
    const worker = new onPostgres.Worker<NoopData>("bench", noop, { connection, concurrency });
    return measured(pair(queue, worker), () => dropSchema(schema));
  },
};
