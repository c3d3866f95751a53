import { statSync } from "node:fs";
import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql, type Transaction } from "kysely";
import { parseCanonicalContext } from "../contracts/context.js";
import {
  type PruneOptions,
  type PruneResult,
  type TaskFilter,
  type TaskGraph,
  type TaskStatusName,
  TERMINAL_STATUSES,
} from "../contracts/status.js";
import { InvalidParamsError, PaasError, ServiceClosedError } from "../errors.js";
import { stoppedPartWay } from "./database-errors.js";
import type { SqlDialect } from "./migrations/index.js";
import { ReceiptExport } from "./receipt-export.js";
import type { TaskRow } from "./rows.js";
import type { Database } from "./schema.js";

const PAGE = 500;
/**
 * Receipt bytes a prune's page may hold: a page is read, exported (hex, written, flushed) and
 * deleted without a turn of the event loop on SQLite, and its export without one on PostgreSQL.
 * 500 receipts of 0.5 MiB kept the loop for 8.8 s and 3.8 s; about 0.3 s per 8 MiB.
 */
const PAGE_BYTES = 8 * 1024 * 1024;
const TERMINAL = [...TERMINAL_STATUSES];

/**
 * What operators do to many tasks at once: select them by filter (for bulk retry and cancel),
 * prune old finished ones, and read a task's dependency graph. Reads and set-based deletes; the
 * status changes of bulk actions go through the scheduler one guarded transition at a time.
 */
export class OperatorStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
    private readonly location: { readonly file?: string },
  ) {}

  /** Every task matching the filter whose status is one of `statuses`, page by page, oldest first. */
  async *matching(
    filter: TaskFilter,
    statuses: readonly TaskStatusName[],
    now: number,
  ): AsyncGenerator<TaskRow[]> {
    let after = 0;
    for (;;) {
      const rows = await filtered(this.db.selectFrom("tasks").selectAll(), filter, now)
        .where("status", "in", statuses)
        .where("seq", ">", after)
        .orderBy("seq")
        .limit(PAGE)
        .execute();
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** The kind of a task matching the filter, with one of `statuses`, that is none of `kinds`; undefined if none. */
  async kindOutside(
    filter: TaskFilter,
    statuses: readonly TaskStatusName[],
    kinds: readonly string[],
    now: number,
  ): Promise<string | undefined> {
    let query = filtered(this.db.selectFrom("tasks").select("kind"), filter, now).where(
      "status",
      "in",
      statuses,
    );
    if (kinds.length > 0) query = query.where("kind", "not in", kinds);
    return (await query.limit(1).executeTakeFirst())?.kind;
  }

  /**
   * Deletes finished tasks older than the cutoff — except those a remaining task depends on,
   * however deep — with their dependency records, history and receipts, exported first if asked
   * (one JSON line each, with the task's key and context, in `receipts.jsonl`). Then gives the
   * space back (see `PruneOptions.compact`). The export file is opened first: a directory that
   * cannot take it refuses the prune before anything is deleted. Once `stop` is aborted (the
   * service closing) no page begins, and the prune says how far it went.
   */
  async prune(options: PruneOptions, now: number, stop?: AbortSignal): Promise<PruneResult> {
    if (options.exportReceiptsTo === undefined && options.deleteReceipts !== true) {
      throw new InvalidParamsError(
        "a prune deletes the receipts of the tasks it deletes (a receipt cannot be read without its task): " +
          "give a directory to export them to first, or say that they may be deleted",
      );
    }
    const bytesBefore = await this.size();
    const cutoff = now - options.olderThanMs;
    const exportFile =
      options.exportReceiptsTo === undefined ? undefined : ReceiptExport.open(options.exportReceiptsTo);
    let tasks = 0;
    let receiptsExported = 0;
    let receiptsDeleted = 0;
    // The pages deleted stay deleted (each is its own transaction): a prune stopped part-way says
    // how far it went. It answered "internal error" for a database error, and the operator, told
    // nothing of the pages gone, had no way to know that their receipts were in the export.
    const stopped = (error: unknown, then: string, next: string) => {
      // One that deleted nothing keeps its own typed error (an export the disk could not take says so).
      if (tasks === 0 && error instanceof PaasError) return error;
      return stoppedPartWay(error, (why) => {
        const exported = exportFile === undefined ? "" : ` (${receiptsExported} receipts exported)`;
        return `pruned ${tasks} task${tasks === 1 ? "" : "s"}${exported}, then ${then}: ${why}; ${next}`;
      });
    };
    try {
      // The candidates are read once (the transitive `needed` set is the costly part), then deleted
      // a page per transaction: one transaction for all of them held SQLite's only write lock (every
      // claim, finish and lease renewal waited) for as long as the whole prune took, 1.8 s at 100k
      // tasks, and on PostgreSQL kept every pruned row locked. Only their row numbers are kept.
      const candidates = await prunable(this.db, this.dialect, cutoff);
      const remaining = new Set(candidates);
      for (let i = 0; i < candidates.length; ) {
        if (stop?.aborted) throw new ServiceClosedError();
        const page = await this.nextPage(candidates, i);
        i += page.length;
        const done = await this.db.transaction().execute(async (trx) => {
          const ids = await this.lockPrunablePage(trx, page, cutoff, remaining);
          if (ids.length === 0) return { tasks: 0, exported: 0, deleted: 0 };
          const keys = ids.map((p) => p.id);
          const seqs = ids.map((p) => p.seq);
          let exported = 0;
          if (exportFile !== undefined) {
            const receipts = await trx
              .selectFrom("receipts")
              .innerJoin("tasks", "tasks.seq", "receipts.task_seq")
              .selectAll("receipts")
              .select(["tasks.id as task_id", "tasks.context"])
              .where("receipts.task_seq", "in", seqs)
              .execute();
            exported = exportFile.append(receipts);
          }
          const deleted = await trx.deleteFrom("receipts").where("task_seq", "in", seqs).executeTakeFirst();
          await trx.deleteFrom("task_attempts").where("task_seq", "in", seqs).execute();
          await trx.deleteFrom("task_deps").where("task_id", "in", keys).execute();
          await trx.deleteFrom("tasks").where("id", "in", keys).execute();
          return { tasks: ids.length, exported, deleted: Number(deleted.numDeletedRows) };
        });
        // Counted once committed: a page whose commit fails is not gone.
        tasks += done.tasks;
        receiptsExported += done.exported;
        receiptsDeleted += done.deleted;
        // kysely's SQLite connection lock is not first come, first served: without a turn of the
        // event loop between pages, the next page took it again before the writers waiting for it.
        await turn();
      }
    } catch (error) {
      throw stopped(error, "stopped", "prune again for the rest");
    } finally {
      exportFile?.close();
    }
    try {
      if (stop?.aborted) throw new ServiceClosedError();
      await this.reclaim(options.compact === true);
    } catch (error) {
      throw stopped(error, "could not give the space back", "the next prune tries again");
    }
    return { tasks, receiptsExported, receiptsDeleted, bytesBefore, bytesAfter: await this.size() };
  }

  /** The candidates from `from` on that one page takes: at most PAGE tasks and PAGE_BYTES of receipts (or one task). */
  private async nextPage(candidates: readonly number[], from: number): Promise<number[]> {
    const page = candidates.slice(from, from + PAGE);
    // The lengths are read from the rows' headers, not the receipts (SQLite's length() of a blob,
    // PostgreSQL's of a TOASTed bytea).
    const sizes = await this.db
      .selectFrom("receipts")
      .select(["task_seq", sql<number>`length(proof) + length(public_values)`.as("bytes")])
      .where("task_seq", "in", page)
      .execute();
    const bytes = new Map(sizes.map((row) => [row.task_seq, Number(row.bytes)]));
    let total = 0;
    for (let n = 0; n < page.length; n++) {
      total += bytes.get(page[n]!) ?? 0;
      if (total > PAGE_BYTES && n > 0) return page.slice(0, n);
    }
    return page;
  }

  /**
   * Which tasks of a page of candidates go, as they now stand: others wrote meanwhile. A task still
   * finished and older than the cutoff goes unless a task that is no candidate depends on it (one
   * linked since, one of a later page restarted since, or a candidate kept in an earlier page or in
   * this one); a task kept is no candidate for later pages, so what it needs stays too. On
   * PostgreSQL the page's rows are locked first: a dependent that links one of them meanwhile finds
   * it gone when it locks it, and resolves again (see `TaskStore.recordResolution`). SQLite has one
   * writer: the transaction alone holds them still.
   */
  private async lockPrunablePage(
    trx: Transaction<Database>,
    page: readonly number[],
    cutoff: number,
    remaining: Set<number>,
  ): Promise<{ seq: number; id: string }[]> {
    const query = trx
      .selectFrom("tasks")
      .select(["seq", "id"])
      .where("seq", "in", page)
      .where("status", "in", TERMINAL)
      .where("updated_at", "<", cutoff)
      .orderBy("seq");
    const rows = await (this.dialect === "postgres" ? query.forUpdate() : query).execute();
    const still = new Set(rows.map((row) => row.seq));
    for (const seq of page) if (!still.has(seq)) remaining.delete(seq);
    if (rows.length === 0) return [];
    const dependents = await trx
      .selectFrom("task_deps as d")
      .innerJoin("tasks as t", "t.id", "d.task_id")
      .select(["d.dep_id", "d.task_id", "t.seq"])
      // As the dependent now stands: one of a later page restarted since the candidates were read
      // (resubmitted, perhaps resolved again already) is no candidate, though still in `remaining`.
      .select((eb) =>
        eb.and([eb("t.status", "in", TERMINAL), eb("t.updated_at", "<", cutoff)]).as("finished"),
      )
      .where(
        "d.dep_id",
        "in",
        rows.map((row) => row.id),
      )
      .execute();
    // A dependency of a task kept in this page is kept too (and so on, within the page).
    const needed = new Set<string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of dependents) {
        if (needed.has(d.dep_id)) continue;
        if (remaining.has(d.seq) && d.finished && !needed.has(d.task_id)) continue;
        needed.add(d.dep_id);
        grew = true;
      }
    }
    for (const row of rows) if (needed.has(row.id)) remaining.delete(row.seq);
    return rows.filter((row) => !needed.has(row.id));
  }

  private async reclaim(compact: boolean): Promise<void> {
    if (this.dialect === "postgres") {
      const tables = sql.join(["tasks", "task_deps", "task_attempts", "receipts"].map((t) => sql.table(t)));
      await (compact ? sql`vacuum full ${tables}` : sql`vacuum ${tables}`).execute(this.db);
      return;
    }
    // Only when asked: VACUUM rebuilds the whole file on this thread, holding every RPC answer,
    // claim and lease renewal (20–70 s for a 2.5–4.9 GB file), and needs as much free disk as the
    // database, which a prune meant to relieve a full disk does not have. Without it the freed
    // pages are reused by the rows that come next, as PostgreSQL's plain VACUUM leaves them.
    // VACUUM writes the rebuilt database through the WAL; truncating the WAL afterwards is what
    // makes the files on disk smaller.
    if (compact) await sql`vacuum`.execute(this.db);
    await sql`pragma wal_checkpoint(truncate)`.execute(this.db);
  }

  /** The task and everything it depends on, with the edges between them; undefined for an unknown task. */
  async graph(root: string): Promise<TaskGraph | undefined> {
    // The ids are joined in the database, not sent back as parameters: a graph of more than 65,535
    // tasks (a chain of proofs each needing the one before) passed PostgreSQL's limit of bound
    // parameters, and the graph could not be shown at all.
    const below = this.db.withRecursive("reached(id)", (qb) =>
      qb
        .selectFrom("tasks")
        .select("id")
        .where("id", "=", root)
        .union((u) => oneLevelDown(u, this.dialect)),
    );
    const [nodes, edges] = await Promise.all([
      below
        .selectFrom("reached")
        .innerJoin("tasks", "tasks.id", "reached.id")
        .select(["tasks.id", "kind", "backend", "context", "status", "error"])
        .orderBy("seq")
        .execute(),
      below
        .selectFrom("reached")
        .innerJoin("task_deps", "task_deps.task_id", "reached.id")
        .select(["task_deps.task_id", "task_deps.dep_id"])
        .orderBy("task_deps.position")
        .execute(),
    ]);
    if (nodes.length === 0) return undefined;
    const present = new Set(nodes.map((n) => n.id));
    return {
      root,
      nodes: nodes.map((n) => ({
        id: n.id,
        kind: n.kind,
        backend: n.backend,
        context: parseCanonicalContext(n.context),
        status: n.status,
        ...(n.error !== null &&
          (n.status === "permanent_failure" || n.status === "transient_failure") && { error: n.error }),
      })),
      // A dependency pruned under a task that was kept (linked anew while the prune ran) has no
      // node: its edge would point at nothing.
      edges: edges.filter((e) => present.has(e.dep_id)).map((e) => ({ from: e.task_id, to: e.dep_id })),
    };
  }

  /** Bytes the database takes on disk. */
  private async size(): Promise<number> {
    if (this.dialect === "postgres") {
      const { rows } = await sql<{ bytes: string | number }>`
        select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and n.nspname = current_schema()`.execute(this.db);
      return Number(rows[0]?.bytes ?? 0);
    }
    const file = this.location.file;
    if (file === undefined) return 0;
    return [file, `${file}-wal`].reduce((sum, f) => {
      try {
        return sum + statSync(f).size;
      } catch {
        return sum;
      }
    }, 0);
  }
}

/** Narrows a tasks query by an operator's filter. */
export function filtered<O>(
  query: SelectQueryBuilder<Database, "tasks", O>,
  filter: TaskFilter,
  now: number,
): SelectQueryBuilder<Database, "tasks", O> {
  let q = query;
  if (filter.kind !== undefined) q = q.where("kind", "=", filter.kind);
  if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  if (filter.backend !== undefined) q = q.where("backend", "=", filter.backend);
  if (filter.olderThanMs !== undefined) q = q.where("updated_at", "<=", now - filter.olderThanMs);
  return q;
}

/** What a recursive walk down `task_deps` sees: the tables, and the ids it has reached. */
type Walk = Database & { reached: { id: string } };

/**
 * One level further down `task_deps` from the ids a recursive walk has reached. On PostgreSQL each
 * id is looked up in task_deps' key by a lateral subquery (`offset 0` keeps it from being
 * flattened back into a join): as a plain join PostgreSQL hashed the whole of task_deps at every
 * step, a step per level of the graph, and a prune took 153 s for a chain of 9,000 tasks among 100k.
 */
function oneLevelDown(u: ExpressionBuilder<Walk, never>, dialect: SqlDialect) {
  if (dialect !== "postgres") {
    return u
      .selectFrom("task_deps as d")
      .innerJoin("reached as r", "r.id", "d.task_id")
      .select("d.dep_id as id");
  }
  return u
    .selectFrom("reached as r")
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom("task_deps as d")
          .select("d.dep_id")
          .whereRef("d.task_id", "=", "r.id")
          .offset(0)
          .as("d"),
      (join) => join.onTrue(),
    )
    .select("d.dep_id as id");
}

/** Tasks a prune's read of its candidates looks at per statement. */
const SCAN = 1000;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Whether a task is finished and older than the cutoff: a candidate for a prune, as far as it goes. */
function finished(eb: ExpressionBuilder<Database, "tasks">, cutoff: number) {
  return eb.and([eb("status", "in", TERMINAL), eb("updated_at", "<", cutoff)]);
}

/**
 * The row numbers of finished tasks older than the cutoff that no other task needs (directly or
 * through others), in order. The table is read a slice of `seq` at a time, each slice with what its
 * unfinished tasks need, and a turn of the event loop between slices: read in one statement (an
 * anti-join against everything needed) it held SQLite's thread, and with it every RPC answer,
 * `/ready` and lease renewal, 0.22–0.40 s at 100k tasks (bench/prune-stall.ts). What a slice's
 * tasks need may be in any slice, so nothing is a candidate until every slice is read. Rows written
 * meanwhile are read as they then stand; each page is read again before it goes (`lockPrunablePage`).
 */
export async function prunable(db: Kysely<Database>, dialect: SqlDialect, cutoff: number): Promise<number[]> {
  const candidates: number[] = [];
  const needed = new Set<number>();
  for (let after = 0; ; ) {
    const rows = await db
      .selectFrom("tasks")
      .select((eb) => ["seq", finished(eb, cutoff).as("finished")])
      .where("seq", ">", after)
      .orderBy("seq")
      .limit(SCAN)
      .execute();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]!.seq;
    for (const row of rows) if (row.finished) candidates.push(row.seq);
    if (rows.some((row) => !row.finished)) {
      for (const row of await neededBy(db, dialect, cutoff, after, last).execute()) {
        if (row.seq !== null) needed.add(row.seq);
      }
    }
    after = last;
    await turn();
  }
  return candidates.filter((seq) => !needed.has(seq));
}

/** The tasks that the unfinished tasks with `seq` in (after, last] need, however deep. */
export function neededBy(
  db: Kysely<Database>,
  dialect: SqlDialect,
  cutoff: number,
  after: number,
  last: number,
) {
  return (
    db
      .withRecursive("reached(id)", (qb) =>
        qb
          .selectFrom("task_deps as d")
          .innerJoin("tasks as t", "t.id", "d.task_id")
          .select("d.dep_id as id")
          .where("t.seq", ">", after)
          .where("t.seq", "<=", last)
          .where((eb) => eb.not(eb.and([eb("t.status", "in", TERMINAL), eb("t.updated_at", "<", cutoff)])))
          .union((u) => oneLevelDown(u, dialect)),
      )
      .selectFrom("reached")
      // Looked up one id at a time, not joined: PostgreSQL hashed the whole of tasks for the join
      // (the recursive CTE's estimate is thousands of rows), 44 ms of a 61 ms slice at 100k tasks.
      // An id no longer in tasks (pruned meanwhile) is null.
      .select((eb) =>
        eb.selectFrom("tasks").select("tasks.seq").whereRef("tasks.id", "=", "reached.id").as("seq"),
      )
  );
}
