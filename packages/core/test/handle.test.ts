import { afterEach, describe, expect, it } from "vitest";
import { canonicalContext, DatabaseProofStore, openDatabase, taskKey } from "../src/index.js";
import { TaskStore } from "../src/store/task-store.js";
import { leaf, type StartedService, startService } from "./fixtures/start-service.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

describe.each(DIALECTS)("handle (%s)", (dialect) => {
  it("wait gives up after its timeout with a typed error, and honours an abort signal", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host } = started;
    const release = host.hold();
    const { task } = await service.submit(leaf(1), "native");
    await expect(service.wait(task.id, { timeoutMs: 20 })).rejects.toMatchObject({ code: "WAIT_TIMEOUT" });
    const controller = new AbortController();
    const waiting = service.wait(task.id, { signal: controller.signal });
    controller.abort(new Error("caller went away"));
    await expect(waiting).rejects.toThrow("caller went away");
    release();
    expect((await service.wait(task.id)).status).toBe("completed");
  });

  it("ends a wait still pending when the service closes, with ServiceClosedError", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service, host } = started;
    const release = host.hold();
    const { task } = await service.submit(leaf(1), "native");
    const waiting = expect(service.wait(task.id)).rejects.toMatchObject({ code: "SERVICE_CLOSED" });
    await service.close();
    release();
    await waiting;
    await expect(service.wait(task.id)).rejects.toMatchObject({ code: "SERVICE_CLOSED" });
  });

  it("accepts a TaskId wherever it accepts a task key", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    const taskId = { context: leaf(3), backend: "native" };
    const { task } = await service.submit(leaf(3), "native");
    expect(task.id).toBe(taskKey(taskId));
    expect((await service.wait(taskId)).taskId).toEqual(taskId);
    expect((await service.proof(taskId)).metadata.version).toBe("1");
  });

  it("stops listeners on request, and refuses work once closed", async () => {
    started = await startService({ database: await databaseFor(dialect) });
    const { service } = started;
    const seen: string[] = [];
    const stop = service.onTransition((t) => seen.push(t.to));
    await service.wait((await service.submit(leaf(1), "native")).task.id);
    stop();
    await service.wait((await service.submit(leaf(2), "native")).task.id);
    expect(seen).toEqual(["queued", "proving", "completed"]);
    await service.close();
    await expect(service.submit(leaf(3), "native")).rejects.toMatchObject({ code: "SERVICE_CLOSED" });
  });
});

describe.each(DIALECTS)("proof store (%s)", (dialect) => {
  it("stores a receipt once, accepts the same receipt again, and refuses a different one", async () => {
    const { db, close } = await openDatabase(await databaseFor(dialect));
    const store = new DatabaseProofStore(db, () => 1);
    const id = taskKey({ context: leaf(1), backend: "native" });
    const receipt = {
      proof: new Uint8Array([1, 2, 3]),
      publicValues: new Uint8Array([4]),
      metadata: {
        zkvm: "native" as const,
        programId: new Uint8Array(32),
        version: "1",
        proofType: "core" as const,
      },
    };
    // A receipt belongs to a stored task: none is kept for a task the database does not have.
    await expect(store.put(id, receipt)).rejects.toMatchObject({ code: "TASK_NOT_FOUND" });
    await new TaskStore(db, dialect).insertMany(
      [
        {
          id,
          kind: "leaf",
          backend: "native",
          context: canonicalContext(leaf(1)),
          status: "queued",
          phase: "prove",
        },
      ],
      1,
    );
    expect(await store.has(id)).toBe(false);
    await store.put(id, receipt);
    await store.put(id, receipt);
    expect(await store.get(id)).toEqual(receipt);
    await expect(store.put(id, { ...receipt, proof: new Uint8Array([9]) })).rejects.toMatchObject({
      code: "PROOF_CONFLICT",
    });
    expect(await store.get(id)).toEqual(receipt);
    await close();
  });
});
