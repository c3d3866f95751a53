import { type Kysely, type Migration, sql } from "kysely";

/**
 * Whether a task in `transient_failure` waits for the chain (`NotYetAvailableError`) rather than
 * retrying a failed step: 1 or 0, written by every step that ends in `transient_failure` and read
 * only in that status. Only the task's history said so (its last attempt's outcome `waiting`),
 * which a list cannot read per row: `paas list` showed every wait as a failure. Tasks waiting at
 * the upgrade are marked from that history; the default is a constant, so on PostgreSQL the column
 * is added without rewriting the table.
 */
export const taskWaiting: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("tasks")
      .addColumn("waiting", "integer", (column) => column.notNull().defaultTo(0))
      .execute();
    await sql`update tasks set waiting = 1 where status = 'transient_failure' and exists (
      select 1 from task_attempts a
      where a.task_seq = tasks.seq and a.attempt = tasks.attempt and a.outcome = 'waiting')`.execute(db);
  },
};
