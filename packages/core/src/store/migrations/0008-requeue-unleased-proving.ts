import { type Kysely, type Migration, sql } from "kysely";

/**
 * Versions before leases (before 0002) left a task `proving` when they stopped, killed or not, and
 * put it back in the queue at their next start. Since 0002 a task leaves `proving` only through
 * its lease (a finish, a release, a takeover of a lapsed lease), so such a task, with no lease,
 * was never claimed nor taken over again: it stayed `proving` for good, and its dependents
 * `blocked`. Nothing holds it; it goes back to the queue, as that version's next start would have
 * put it. A task `proving` under a lease is left alone (its owner may be running).
 */
export const requeueUnleasedProving: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`update tasks set status = 'queued', updated_at = ${Date.now()}
      where status = 'proving' and lease_expires_at is null`.execute(db);
  },
};
