import { type Kysely, type Migration, sql } from "kysely";

/**
 * How many tasks wait for the chain (`waiting`, 0011), by kind and backend: what `paas report`,
 * `paas watch`, the dashboard's overview and `/metrics` show apart from the failures retried in the
 * same status. `task_counts` keeps counts by status only, and counting waits there too meant a
 * change to the counting triggers of both engines, which run at every change of status of every
 * task. This index holds only the tasks that wait (a checkpoint per open epoch, a block the node
 * lacks yet), so a count reads those entries and nothing else of `tasks`, however many failures an
 * outage leaves in the same status. A no-op task never waits, so it never writes an entry: its
 * changes of status only test the condition (and on PostgreSQL they were never HOT updates, the
 * status being indexed already). What it costs if many wait: each count (every refresh of a
 * progress view, the overview each second, each scrape) reads every entry; with 100k tasks waiting,
 * `counts()` took 5 ms on SQLite and 8–29 ms on PostgreSQL (the less once a vacuum has marked the
 * pages all-visible, so no row is read). Built inside the migrations' transaction, as 0009's index
 * is: one pass over `tasks`, while writes to it wait.
 */
export const waitingIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create index tasks_waiting on tasks (kind, backend) where status = 'transient_failure' and waiting = 1`.execute(
      db,
    );
  },
};
