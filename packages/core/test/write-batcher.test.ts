import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../src/index.js";
import { TaskStore } from "../src/store/task-store.js";
import { WriteBatcher } from "../src/store/write-batcher.js";
import { databaseFor, postgres } from "./support/dialects.js";

const opened: OpenedDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

async function open(location: Parameters<typeof openDatabase>[0]): Promise<OpenedDatabase> {
  const db = await openDatabase(location);
  opened.push(db);
  return db;
}

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
