import { createHash } from "node:crypto";
import { type Compilable, CompiledQuery, type Kysely, SelectQueryNode, type Transaction } from "kysely";
import type { HeldConnection } from "./held-connection.js";
import type { Database } from "./schema.js";

const SLOT = Symbol("slot");

interface Slot {
  readonly [SLOT]: string;
}

/**
 * A placeholder for a value bound at each execution of a `Prepared` statement. Typed as the
 * column's type so the query builder accepts it; kysely passes it through as a parameter.
 */
export function slot<T>(name: string): T {
  return { [SLOT]: name } satisfies Slot as unknown as T;
}

function isSlot(value: unknown): value is Slot {
  return typeof value === "object" && value !== null && SLOT in value;
}

/**
 * A statement the scheduler runs for every task, built and compiled once: kysely builds and
 * compiles a query anew at each call, which cost more CPU than SQLite took to run the statements
 * of a finished task. The query is written with the builder as usual, with `slot(name)` where a
 * value changes between executions; `execute` binds the values by name, in the order the compiled
 * SQL wants them, and runs the same SQL text (which SQLite's statement cache then finds).
 */
export class Prepared<Row, Values extends object> {
  private readonly sql: string;
  /** For each parameter of the SQL: the name of its slot, or a value fixed when it was built. */
  private readonly parameters: readonly ({ readonly slot: string } | { readonly fixed: unknown })[];
  private readonly reads: boolean;

  /**
   * `held`: how to run the statement directly (SQLite): inside a transaction, whose callback already
   * holds the connection; or, for a read, while no transaction is open. Otherwise kysely's mutex
   * must order it after the open transaction, which it would see (or be rolled back with).
   */
  constructor(
    query: Compilable<Row>,
    private readonly held?: HeldConnection,
  ) {
    const compiled = query.compile();
    this.sql = compiled.sql;
    SERVER_SIDE_NAMES.set(
      this.sql,
      `paas_${createHash("sha256").update(this.sql).digest("hex").slice(0, 24)}`,
    );
    this.parameters = compiled.parameters.map((p) => (isSlot(p) ? { slot: p[SLOT] } : { fixed: p }));
    this.reads = SelectQueryNode.is(compiled.query);
  }

  async execute(executor: Kysely<Database> | Transaction<Database>, values: Values): Promise<Row[]> {
    const bound = this.parameters.map((p) => {
      if (!("slot" in p)) return p.fixed;
      const value = (values as Record<string, unknown>)[p.slot];
      // SQL has no undefined: a missing value is a misspelt slot, which must not bind as NULL.
      if (value === undefined) throw new Error(`no value for slot "${p.slot}" of ${this.sql}`);
      return value;
    });
    const { held } = this;
    if (held !== undefined && (executor.isTransaction || (this.reads && held.idle()))) {
      return held.run(this.sql, bound) as Row[];
    }
    const result = await executor.executeQuery<Row>(CompiledQuery.raw(this.sql, bound));
    return result.rows;
  }

  async executeTakeFirst(
    executor: Kysely<Database> | Transaction<Database>,
    values: Values,
  ): Promise<Row | undefined> {
    return (await this.execute(executor, values))[0];
  }
}

/** SQL text of every `Prepared` statement, with the name a server may keep it prepared under. */
const SERVER_SIDE_NAMES = new Map<string, string>();

/**
 * The name under which a database session may keep `sql` parsed and planned (PostgreSQL's named
 * prepared statements), if it is one of the few statements run for every task; other SQL (lists
 * with any number of ids, migrations) is not worth a slot in every session.
 */
export function serverSideName(sql: string): string | undefined {
  return SERVER_SIDE_NAMES.get(sql);
}
