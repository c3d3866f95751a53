import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "./dialect.js";

/**
 * Receipts and attempts keyed by their task's `seq` instead of its `id`. A task id is a hash, so
 * every receipt and attempt went to a random place in its table's key: the 16 proofs finished in
 * one group commit dirtied ~32 scattered B-tree pages, each written whole to SQLite's WAL at the
 * commit. On a raw SQLite file that commit cost 45–48 µs per task against 10–12 µs keyed by
 * `seq`, which tasks are claimed and finished in, so a commit's rows share a page or two; the
 * finish with its attempt and receipt 42–44 against 30 µs. Readers join through `tasks`.
 */
export function historyByTaskSeq(dialect: SqlDialect): Migration {
  const seq = dialect === "postgres" ? "bigint" : "integer";
  const binary = dialect === "postgres" ? "bytea" : "blob";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("receipts_by_seq")
        .addColumn("task_seq", seq, (col) => col.notNull())
        .addColumn("proof", binary, (col) => col.notNull())
        .addColumn("public_values", binary, (col) => col.notNull())
        .addColumn("zkvm", "text", (col) => col.notNull())
        .addColumn("program_id", binary, (col) => col.notNull())
        .addColumn("version", "text", (col) => col.notNull())
        .addColumn("proof_type", "text", (col) => col.notNull())
        .addColumn("created_at", "bigint", (col) => col.notNull())
        // On SQLite an `integer` primary key of one column is the rowid: the table is its one B-tree.
        .addPrimaryKeyConstraint("receipts_seq_pk", ["task_seq"])
        .execute();
      await sql`insert into receipts_by_seq
        (task_seq, proof, public_values, zkvm, program_id, version, proof_type, created_at)
        select t.seq, r.proof, r.public_values, r.zkvm, r.program_id, r.version, r.proof_type, r.created_at
          from receipts r join tasks t on t.id = r.task_id`.execute(db);
      await db.schema.dropTable("receipts").execute();
      await db.schema.alterTable("receipts_by_seq").renameTo("receipts").execute();

      let attempts = db.schema
        .createTable("task_attempts_by_seq")
        .addColumn("task_seq", seq, (col) => col.notNull())
        .addColumn("attempt", "integer", (col) => col.notNull())
        .addColumn("phase", "text", (col) => col.notNull())
        .addColumn("instance", "text", (col) => col.notNull())
        .addColumn("started_at", "bigint", (col) => col.notNull())
        .addColumn("ended_at", "bigint", (col) => col.notNull())
        .addColumn("outcome", "text", (col) => col.notNull())
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("task_attempts_seq_pk", ["task_seq", "attempt"]);
      // Stored in key order rather than beside a rowid B-tree it would need as well.
      if (dialect === "sqlite") attempts = attempts.modifyEnd(sql`without rowid`);
      await attempts.execute();
      await sql`insert into task_attempts_by_seq
        (task_seq, attempt, phase, instance, started_at, ended_at, outcome, error)
        select t.seq, a.attempt, a.phase, a.instance, a.started_at, a.ended_at, a.outcome, a.error
          from task_attempts a join tasks t on t.id = a.task_id`.execute(db);
      await db.schema.dropTable("task_attempts").execute();
      await db.schema.alterTable("task_attempts_by_seq").renameTo("task_attempts").execute();
    },
  };
}
