import { type Expression, type Kysely, sql } from "kysely";
import type { InstanceInfo } from "../contracts/status.js";
import { isConnectionLoss, whyWriteLater } from "./database-errors.js";
import { databaseTime } from "./database-time.js";
import { whileFileLocked } from "./file-lock-wait.js";
import type { SqlDialect } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { unknownMigrations } from "./unknown-migrations.js";

export interface InstanceRecord {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  readonly startedAt: number;
}

/**
 * The instances sharing the database, and the leases of once-per-cluster services.
 *
 * On PostgreSQL, heartbeats and leases are written and compared in the database's time, not the
 * caller's `now`: instances on machines whose clocks disagree by more than a lease each took the
 * other's live lease for lapsed (the one ahead was elected beside the leader, and both ran the
 * services) and dropped each other from the instance list. SQLite has one process, one clock.
 * On SQLite a write here waits for another process's lock on the file between turns of the event
 * loop (`whileFileLocked`); the instance list's cleanup does not wait: a read should not.
 */
export class ClusterStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  /** Epoch milliseconds now: the database's on PostgreSQL, else the caller's `now` (see `databaseTime`). */
  private time(now: number): Expression<number> {
    return databaseTime(this.dialect, now, now);
  }

  /**
   * Records that `instance`, beating every third of `leaseMs`, is alive: its row inserted, or its
   * heartbeat time renewed. An upsert, so an instance whose row `live` dropped after late
   * heartbeats (an outage, a long pause) is listed again at its next one.
   */
  async heartbeat(instance: InstanceRecord, now: number, leaseMs: number): Promise<void> {
    await whileFileLocked(() =>
      this.db
        .insertInto("instances")
        .values({
          id: instance.id,
          host: instance.host,
          pid: instance.pid,
          role: instance.role,
          started_at: instance.startedAt,
          heartbeat_at: this.time(now),
          lease_ms: leaseMs,
        })
        .onConflict((oc) => oc.column("id").doUpdateSet({ heartbeat_at: this.time(now), lease_ms: leaseMs }))
        .execute(),
    );
  }

  /**
   * Drops every other instance's row and service lease: for a process that is the database's only
   * user (SQLite, locked), where they were left by processes that are gone (killed, crashed).
   */
  async forgetOthers(id: string): Promise<void> {
    await whileFileLocked(() => this.db.deleteFrom("instances").where("id", "!=", id).execute());
    await whileFileLocked(() => this.db.deleteFrom("service_leases").where("owner", "!=", id).execute());
  }

  /** Migrations the database records that are not in `known`: a newer version of PaaS ran them. */
  unknownMigrations(known: readonly string[]): Promise<string[]> {
    return unknownMigrations(this.db as Kysely<unknown>, known);
  }

  async leave(id: string): Promise<void> {
    await whileFileLocked(() => this.db.deleteFrom("instances").where("id", "=", id).execute());
    await whileFileLocked(() => this.db.deleteFrom("service_leases").where("owner", "=", id).execute());
  }

  /**
   * Instances heard from within two of their own leases of `now`, with the number of tasks each
   * holds; older rows are dropped. `leaseMs` (the reader's) judges rows that do not say theirs.
   * The list is a read (the report, the dashboard): the older rows are left out of it, and their
   * deletion, a write, may be refused without failing it. A full disk refuses every write, and the
   * report, where an operator looks first, answered "internal error" until space was freed.
   */
  async live(now: number, leaseMs: number): Promise<InstanceInfo[]> {
    const stale = sql<number>`${this.time(now)} - 2 * coalesce(lease_ms, ${leaseMs})`;
    try {
      await this.db.deleteFrom("instances").where("heartbeat_at", "<", stale).execute();
    } catch (error) {
      // A database out of reach fails the read too; one that answers but takes no writes does not.
      if (whyWriteLater(error) === undefined || isConnectionLoss(error)) throw error;
    }
    const held = await this.db
      .selectFrom("tasks")
      .select(["owner", (eb) => eb.fn.countAll<number>().as("n")])
      .where("lease_expires_at", "is not", null)
      .groupBy("owner")
      .execute();
    const counts = new Map(held.map((h) => [h.owner, Number(h.n)]));
    const rows = await this.db
      .selectFrom("instances")
      .selectAll()
      .where("heartbeat_at", ">=", stale)
      .orderBy("started_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: row.pid,
      role: row.role,
      startedAt: row.started_at,
      heartbeatAt: row.heartbeat_at,
      tasksHeld: counts.get(row.id) ?? 0,
    }));
  }

  /**
   * Takes or renews the lease of a once-per-cluster service: granted when nobody holds it, when its
   * holder let it lapse, or when `owner` already holds it. One statement, so two instances asking
   * at once cannot both win.
   */
  async acquireServiceLease(name: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const expires = sql<number>`${this.time(now)} + ${leaseMs}`;
    const row = await whileFileLocked(() =>
      this.db
        .insertInto("service_leases")
        .values({ name, owner, expires_at: expires })
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet({ owner, expires_at: expires })
            .where((eb) =>
              eb.or([
                eb("service_leases.owner", "=", owner),
                eb("service_leases.expires_at", "<", this.time(now)),
              ]),
            ),
        )
        .returning("owner")
        .executeTakeFirst(),
    );
    return row?.owner === owner;
  }

  async releaseServiceLease(name: string, owner: string): Promise<void> {
    await whileFileLocked(() =>
      this.db.deleteFrom("service_leases").where("name", "=", name).where("owner", "=", owner).execute(),
    );
  }

  /**
   * PostgreSQL: folds the counter shards of database sessions that have ended into shard 0, so the
   * counts table stays as small as the number of live sessions. Sums are unchanged.
   */
  async foldCountShards(): Promise<void> {
    if (this.dialect !== "postgres") return;
    await sql`
      with gone as (
        delete from task_counts
        where shard <> 0 and shard not in (select pid from pg_stat_activity where pid is not null)
        returning kind, backend, status, n
      )
      insert into task_counts as c (kind, backend, status, shard, n)
      select kind, backend, status, 0, sum(n) from gone group by kind, backend, status
      on conflict (kind, backend, status, shard) do update set n = c.n + excluded.n`.execute(this.db);
  }
}
