import PgBoss from "pg-boss";
import { dropSchema, freshSchemaName, POSTGRES_URL } from "../postgres.js";
import { batchIndexes, countdown, type QueueSystem } from "../system.js";

const QUEUE = "bench";
/** How long an idle slot waits before it asks for a job again. */
const IDLE_MS = 5;
const noop = async (_job: PgBoss.Job<unknown>) => {};

/**
 * pg-boss on a fresh schema (created by `start`), dropped afterwards. Jobs are added with
 * `insert` (one statement per batch) and kept after completion (archived after 12 hours by
 * default), as PaaS keeps its tasks.
 *
 * Consumption: pg-boss 10's `work()` waits out its polling interval (at least 0.5 s) between two
 * fetches even when jobs are waiting, which would measure the interval, not the queue. So each of
 * the `concurrency` slots runs pg-boss's own primitives in a loop of ours: `fetch` one job (a
 * SKIP LOCKED claim), run the no-op handler, `complete` it.
 */
export const pgBoss: QueueSystem = {
  name: "pg-boss",
  async start(concurrency) {
    const schema = freshSchemaName("qb_pgboss");
    const boss = new PgBoss({ connectionString: POSTGRES_URL, schema, max: concurrency + 2 });
    boss.on("error", (error) => console.error("pg-boss:", error));
    await boss.start();
    await boss.createQueue(QUEUE);
    return {
      async run(jobs, batch) {
        const completed = countdown(jobs);
        let finished = false;
        const slot = async () => {
          while (!finished) {
            const [job] = await boss.fetch(QUEUE, { batchSize: 1 });
            if (!job) {
              await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
              continue;
            }
            await noop(job);
            await boss.complete(QUEUE, job.id);
            completed.tick();
          }
        };
        const slots = Array.from({ length: concurrency }, slot);
        for (let i = 0; i < jobs; i += batch) {
          await boss.insert(batchIndexes(i, batch, jobs).map((index) => ({ name: QUEUE, data: { index } })));
        }
        await completed.done;
        finished = true;
        await Promise.all(slots);
      },
      async stop() {
        await boss.stop({ graceful: true, wait: true });
        await dropSchema(schema);
      },
    };
  },
};
