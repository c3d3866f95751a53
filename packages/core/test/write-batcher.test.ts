import { describe, expect, it } from "vitest";
import type { OpenedDatabase } from "../src/index.js";
import { heldConnectionOf } from "../src/store/held-connection.js";
import { Prepared, slot } from "../src/store/prepared.js";
import { TaskStore } from "../src/store/task-store.js";
import { WriteBatcher } from "../src/store/write-batcher.js";
import { DIALECTS, databaseFor, postgres } from "./support/dialects.js";
import { open } from "./support/services.js";

const task = (id: string) => ({
  id: id.repeat(32),
  kind: "leaf",
  backend: "native",
  context: `{"kind":"${id}"}`,
  status: "queued" as const,
  phase: "prove" as const,
});

/** A latch one job opens and another waits for. */
interface Latch {
  readonly open: () => void;
  readonly opened: Promise<void>;
}

function latch(): Latch {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("group commit", () => {
  it("runs a job that lost a lock conflict again, and gives up on other errors at once", async () => {
    const db = await open({ path: ":memory:" });
    const writes = new WriteBatcher(db.db);
    let runs = 0;
    const conflicted = writes.run(async () => {
      runs++;
      if (runs < 3) throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      return "done";
    });
    expect(await conflicted).toBe("done");
    expect(runs).toBe(3);

    let brokenRuns = 0;
    const broken = writes.run(async () => {
      brokenRuns++;
      throw new Error("no such column");
    });
    await expect(broken).rejects.toThrow("no such column");
    // Once in the shared transaction, once alone: a bug is not retried further.
    expect(brokenRuns).toBe(2);

    let endlessRuns = 0;
    const endless = writes.run(async () => {
      endlessRuns++;
      throw Object.assign(new Error("could not serialize access"), { code: "40001" });
    });
    await expect(endless).rejects.toThrow("could not serialize access");
    expect(endlessRuns).toBe(1 + 5);
  });

  describe.each(DIALECTS)("statements compiled once, on %s", (dialect) => {
    // On SQLite they run straight on the connection a transaction holds, and reads on it while no
    // transaction is open (`held-connection.ts`).
    const statements = (db: OpenedDatabase) => {
      const held = heldConnectionOf(db.db as never);
      return {
        insert: new Prepared(
          db.db.insertInto("tasks").values({
            ...task("x"),
            id: slot<string>("id"),
            context: slot<string>("context"),
            created_at: 1,
            retry_count: 0,
            priority: 0,
            updated_at: 1,
          }),
          held,
        ),
        get: new Prepared(db.db.selectFrom("tasks").select("id").where("id", "=", slot<string>("id")), held),
      };
    };

    it("are rolled back with the shared transaction that fails", async () => {
      const db = await open(await databaseFor(dialect));
      const { insert, get } = statements(db);
      const writes = new WriteBatcher(db.db);
      const kept = writes.run((trx) => insert.execute(trx, { id: "k".repeat(32), context: '{"kind":"k"}' }));
      const failed = writes.run(async (trx) => {
        await insert.execute(trx, { id: "f".repeat(32), context: '{"kind":"f"}' });
        throw new Error("the job failed after its insert");
      });
      await expect(failed).rejects.toThrow("the job failed after its insert");
      await kept;
      expect(await get.execute(db.db, { id: "k".repeat(32) })).toHaveLength(1);
      expect(await get.execute(db.db, { id: "f".repeat(32) })).toHaveLength(0);
    });

    it("outside a transaction wait for an open one and never see its uncommitted rows", async () => {
      const db = await open(await databaseFor(dialect));
      const { insert, get } = statements(db);
      const inserted = latch();
      const readStarted = latch();
      const transaction = db.db.transaction().execute(async (trx) => {
        await insert.execute(trx, { id: "u".repeat(32), context: '{"kind":"u"}' });
        inserted.open();
        await readStarted.opened;
        throw new Error("rolled back");
      });
      await inserted.opened;
      const read = get.execute(db.db, { id: "u".repeat(32) });
      readStarted.open();
      await expect(transaction).rejects.toThrow("rolled back");
      expect(await read).toHaveLength(0);
    });
  });

  describe.runIf(postgres.url !== undefined)("on PostgreSQL", () => {
    it("commits both of two writes that deadlock on each other's rows", async () => {
      const location = await databaseFor("postgres");
      const [one, two] = [await open(location), await open(location)];
      const a = task("a").id;
      const b = task("b").id;
      await new TaskStore(one.db, one.dialect).insertMany([task("a"), task("b")], 1);
      const oneHoldsA = latch();
      const twoHoldsB = latch();
      const bump = (trx: Parameters<Parameters<WriteBatcher["run"]>[0]>[0], id: string) =>
        trx
          .updateTable("tasks")
          .set((eb) => ({ priority: eb("priority", "+", 1) }))
          .where("id", "=", id)
          .execute();
      /** Bumps `held`, says so, waits for the other side to hold its row, then bumps `wanted`. */
      const crossing = (
        name: string,
        db: OpenedDatabase,
        held: string,
        wanted: string,
        holds: Latch,
        other: Latch,
      ) =>
        new WriteBatcher(db.db).run(async (trx) => {
          await bump(trx, held);
          holds.open();
          await other.opened;
          await bump(trx, wanted);
          return name;
        });
      // One locks a then wants b; two locks b then wants a: PostgreSQL ends one of them.
      const first = crossing("one", one, a, b, oneHoldsA, twoHoldsB);
      const second = crossing("two", two, b, a, twoHoldsB, oneHoldsA);
      expect(await Promise.all([first, second])).toEqual(["one", "two"]);
      const rows = await one.db.selectFrom("tasks").select(["id", "priority"]).orderBy("id").execute();
      // Each write applied exactly once: both rows bumped twice from 1.
      expect(rows.map((r) => Number(r.priority))).toEqual([3, 3]);
    }, 30_000);
  });
});
