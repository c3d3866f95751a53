import type { Kysely, Migration } from "kysely";

/**
 * Each instance's own lease, written by its heartbeat. An instance's row was judged live by the
 * reader's lease: while a change of `cluster.lease_ms` was rolled out one instance at a time, one
 * with the short lease dropped the rows of those with the long one between their heartbeats, and
 * `paas report` there showed them gone. Null for rows written before this migration, which are
 * judged by the reader's lease, as before.
 */
export const instanceLease: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("instances").addColumn("lease_ms", "bigint").execute();
  },
};
