import type pg from "pg";
import { DatabaseUnusableError } from "../errors.js";

/**
 * Refuses a pooler in transaction or statement mode (PgBouncer's `pool_mode = transaction`, the
 * default of many managed poolers) between this instance and PostgreSQL. Such a pooler hands a
 * server session to another client between transactions, and an instance keeps state in its
 * sessions: named prepared statements for every claim, LISTEN for wake-ups, the migration's
 * advisory lock. Behind one the instance started and then failed nearly every claim ("prepared
 * statement "paas_…" does not exist") with no word of why.
 *
 * Two sessions of the pool ask for their server's process id: A outside a transaction, then B
 * inside one, then A again while B holds its server. Connected directly, or through a pooler in
 * session mode, each client keeps a server of its own, so A's two answers agree and differ from
 * B's. A pooler in transaction mode gives A's server, idle once its statement ends, to B (it
 * reuses the most recently freed one), or gives A another one the second time.
 */
export async function refuseTransactionPooling(
  newClient: () => pg.Client,
  description: string,
): Promise<void> {
  // Clients of their own, ended afterwards: no session state of the probe reaches the pool.
  const [a, b] = [newClient(), newClient()];
  try {
    for (const client of [a, b]) client.on("error", () => {});
    await Promise.all([a.connect(), b.connect()]);
    const first = await backendPid(a);
    await b.query("begin");
    const held = await backendPid(b);
    const second = held === first ? first : await backendPid(a);
    if (held === first || second !== first) {
      throw new DatabaseUnusableError(
        `PostgreSQL at ${description} is reached through a pooler in transaction or statement mode: two sessions of this instance were served by one server process (${held === first ? held : `${first}, then ${second}`}). An instance keeps state in its sessions (prepared statements, LISTEN, advisory locks) that such a pooler hands to other clients: point database.url at PostgreSQL itself, or at a pooler in session mode (PgBouncer: pool_mode = session)`,
      );
    }
  } finally {
    await Promise.all([a.end().catch(() => {}), b.end().catch(() => {})]);
  }
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
  return rows[0]!.pid;
}
