import { afterEach, describe, expect, it, vi } from "vitest";
import type { DatabaseLocation } from "../src/index.js";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { withLeafVersion } from "./fixtures/test-plugins.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

const path = (s: StartedService, id: string) => s.transitions.filter((t) => t.id === id).map((t) => t.to);

/** A leaf proven by version 1 of its program, in a service closed again: the release before an upgrade. */
async function provenBeforeUpgrade(database: DatabaseLocation, index: number): Promise<string> {
  const before = await startService({ database });
  try {
    const { task } = await before.service.submit(leaf(index), "native");
    await before.service.wait(task.id, { timeoutMs: 5_000 });
    expect((await before.service.proof(task.id)).metadata.version).toBe("1");
    return task.id;
  } finally {
    await before.service.close();
  }
}

describe.each(DIALECTS)("a plugin upgraded under stored proofs (%s)", (dialect) => {
  it("proves a dependency again once when its proof is of an older program version, for every dependent", async () => {
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);

    await withLeafVersion("2", async () => {
      started = await startService({ database });
      const { service, script, host } = started;
      script.graph.set(1, [leaf(10)]);
      script.graph.set(2, [leaf(10)]);
      const dependents = await Promise.all([
        service.submit(node(1), "native"),
        service.submit(node(2), "native"),
      ]);
      for (const { task } of dependents) {
        expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
      }
      // Each dependent's program was given the proof the version registered now made.
      expect(script.dependencyVersions.get(1)).toEqual(["2"]);
      expect(script.dependencyVersions.get(2)).toEqual(["2"]);
      expect((await service.proof(dep)).metadata.version).toBe("2");
      // Proven again once, however many dependents found it stale.
      expect(host.proveCalls.filter((c) => c.program === "leaf-program")).toHaveLength(1);
      expect(path(started, dep)).toEqual(["queued", "proving", "completed"]);
      expect((await service.history(dep)).map((a) => [a.phase, a.outcome])).toEqual([
        ["prove", "proven"],
        ["prove", "proven"],
      ]);
      const found = await Promise.all(dependents.map(({ task }) => service.history(task.id)));
      expect(found.flat().filter((a) => a.outcome === "stale_dependencies").length).toBeGreaterThanOrEqual(1);
      expect(started.logs).toContainEqual(
        expect.objectContaining({
          level: "warn",
          fields: expect.objectContaining({ dependency: dep, proofVersion: "1", programVersion: "2" }),
        }),
      );
      // A resubmission of the dependency itself returns its proof as it is.
      expect((await service.submit(leaf(10), "native")).created).toBe(false);
    });
  });

  it("takes back a dependent queued before the upgrade: it waits for its dependency's proof again", async () => {
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);
    // The dependent resolved (its dependency completed) and was proving when the old release stopped.
    const host = new TestHost();
    const release = host.hold();
    const before = await startService({ database, host });
    before.script.graph.set(1, [leaf(10)]);
    const { task } = await before.service.submit(node(1), "native");
    await vi.waitFor(async () => expect((await before.service.status(task.id)).status).toBe("proving"), {
      timeout: 5_000,
    });
    await before.service.close();
    release();

    await withLeafVersion("2", async () => {
      started = await startService({ database });
      started.script.graph.set(1, [leaf(10)]);
      const done = await started.service.wait(task.id, { timeoutMs: 5_000 });
      expect(done.status).toBe("completed");
      expect(started.script.dependencyVersions.get(1)).toEqual(["2"]);
      expect(path(started, task.id)).toEqual(["proving", "blocked", "queued", "proving", "completed"]);
      expect(path(started, dep)).toEqual(["queued", "proving", "completed"]);
    });
  });

  it("leaves proofs of the program version registered now alone", async () => {
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);
    started = await startService({ database });
    started.script.graph.set(1, [leaf(10)]);
    const { task } = await started.service.submit(node(1), "native");
    await started.service.wait(task.id, { timeoutMs: 5_000 });
    expect(started.script.dependencyVersions.get(1)).toEqual(["1"]);
    expect(path(started, dep)).toEqual([]);
    expect(started.host.proveCalls.map((c) => c.program)).toEqual(["node-program"]);
  });
});
