import { afterEach, describe, expect, it } from "vitest";
import { InvalidTransitionError, type OpenedDatabase, openDatabase } from "../src/index.js";
import { TaskStore } from "../src/store/task-store.js";

let opened: OpenedDatabase | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function storeWithTask() {
  opened = await openDatabase({ path: ":memory:" });
  const store = new TaskStore(opened.db);
  const task = { id: "a".repeat(32), kind: "leaf", backend: "native", context: '{"kind":"leaf"}' };
  const { row } = await store.insert({ ...task, status: "queued", phase: "prove" }, 1);
  return { store, row };
}

describe("task store transitions", () => {
  it("refuses a transition the lifecycle does not allow, before touching the database", async () => {
    const { store, row } = await storeWithTask();
    await expect(store.transition(row, "completed", {}, 2)).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(store.transition(row, "completed", {}, 2)).rejects.toThrow(
      /queued -> completed is not allowed/,
    );
    expect((await store.get(row.id))?.status).toBe("queued");
  });

  it("does nothing when the task changed since it was read (a stale view never wins)", async () => {
    const { store, row } = await storeWithTask();
    const claimed = await store.claimQueued("native", ["leaf"], 1, 2);
    expect(claimed.map((c) => c.row.status)).toEqual(["proving"]);
    // `row` still says queued: cancelling from that stale view must not apply.
    expect(await store.transition(row, "cancelled", {}, 3)).toBeUndefined();
    expect((await store.get(row.id))?.status).toBe("proving");
  });

  it("claims a queued task once, however many claims race for it", async () => {
    const { store } = await storeWithTask();
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => store.claimQueued("native", ["leaf"], 1, 2)),
    );
    expect(claims.flat()).toHaveLength(1);
  });
});

describe("sweep of blocked tasks at start", () => {
  it("queues a task whose dependencies all completed, and fails one whose dependency failed, naming it", async () => {
    opened = await openDatabase({ path: ":memory:" });
    const store = new TaskStore(opened.db);
    const task = (id: string, status: "blocked" | "completed" | "permanent_failure") =>
      store.insert(
        {
          id: id.repeat(32),
          kind: "leaf",
          backend: "native",
          context: `{"kind":"${id}"}`,
          status,
          phase: "prove",
        },
        1,
      );
    await task("a", "completed");
    await task("b", "permanent_failure");
    await task("c", "blocked");
    await task("d", "blocked");
    await opened.db
      .insertInto("task_deps")
      .values([
        { task_id: "c".repeat(32), dep_id: "a".repeat(32), position: 0 },
        { task_id: "d".repeat(32), dep_id: "a".repeat(32), position: 0 },
        { task_id: "d".repeat(32), dep_id: "b".repeat(32), position: 1 },
      ])
      .execute();
    const changes = await store.sweepBlocked(2);
    expect(changes.map((c) => [c.row.id[0], c.row.status])).toEqual([
      ["c", "queued"],
      ["d", "permanent_failure"],
    ]);
    expect((await store.get("d".repeat(32)))?.error).toMatch(/^dependency leaf b{32} \{"kind":"b"\} failed/);
  });
});
