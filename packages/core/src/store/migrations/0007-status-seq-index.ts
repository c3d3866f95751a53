import type { Kysely, Migration } from "kysely";

/**
 * `tasks_status_seq` (listing by status in `seq` order) is created by 0001, but 0002 as first
 * released (f35db76, 94fd832) dropped it, and the 0002 that restored it runs only on databases that
 * had not run 0002 yet: a database created by those versions has lacked the index ever since, and
 * a page of tasks by status read and sorted every task of the status. Created here where missing.
 */
export const statusSeqIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex("tasks_status_seq")
      .ifNotExists()
      .on("tasks")
      .columns(["status", "seq"])
      .execute();
  },
};
