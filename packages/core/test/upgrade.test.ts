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

/**
 * `node` dependents of leaf 10, resolved (their dependency completed) and proving when the old
 * release stopped: their ids.
 */
async function leftProvingBeforeUpgrade(
  database: DatabaseLocation,
  indexes: readonly number[],
): Promise<string[]> {
  const host = new TestHost();
  const release = host.hold();
  const before = await startService({ database, host });
  try {
    const ids: string[] = [];
    for (const index of indexes) {
      before.script.graph.set(index, [leaf(10)]);
      ids.push((await before.service.submit(node(index), "native")).task.id);
    }
    await vi.waitFor(
      async () => {
        for (const id of ids) expect((await before.service.status(id)).status).toBe("proving");
      },
      { timeout: 5_000 },
    );
    return ids;
  } finally {
    await before.service.close();
    release();
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
          fields: expect.objectContaining({
            dependency: dep,
            reason: 'made by version "1" of program "leaf-program", which is at version "2" now',
          }),
        }),
      );
      // A resubmission of the dependency itself returns its proof as it is.
      expect((await service.submit(leaf(10), "native")).created).toBe(false);
    });
  });

  it("proves a dependency of an older version again when failures are never retried (maxRetries 0)", async () => {
    // An operator who wants every failure seen at once: an upgrade is no failure, and must not fail
    // its dependents for good.
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);
    await withLeafVersion("2", async () => {
      started = await startService({ database, retry: { maxRetries: 0 } });
      started.script.graph.set(1, [leaf(10)]);
      const { task } = await started.service.submit(node(1), "native");
      expect(await started.service.wait(task.id, { timeoutMs: 5_000 })).toMatchObject({
        status: "completed",
      });
      expect((await started.service.proof(dep)).metadata.version).toBe("2");
    });
  });

  it("takes back a dependent queued before the upgrade: it waits for its dependency's proof again", async () => {
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);
    const [dependent] = await leftProvingBeforeUpgrade(database, [1]);

    await withLeafVersion("2", async () => {
      started = await startService({ database });
      started.script.graph.set(1, [leaf(10)]);
      const done = await started.service.wait(dependent!, { timeoutMs: 5_000 });
      expect(done.status).toBe("completed");
      expect(started.script.dependencyVersions.get(1)).toEqual(["2"]);
      expect(path(started, dependent!)).toEqual(["proving", "blocked", "queued", "proving", "completed"]);
      expect(path(started, dep)).toEqual(["queued", "proving", "completed"]);
    });
  });

  it("proves a dependency again when its plugin says a setting it was proven under changed", async () => {
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database });
    const { service, script } = started;
    script.leafSetting = "A";
    const dep = await service.submit(leaf(10), "native");
    await service.wait(dep.task.id, { timeoutMs: 5_000 });
    // The operator corrects the setting; the dependents submitted from now on need proofs under B.
    script.leafSetting = "B";
    script.graph.set(1, [leaf(10)]);
    const { task } = await service.submit(node(1), "native");
    expect((await service.wait(task.id, { timeoutMs: 5_000 })).status).toBe("completed");
    const proven = JSON.parse(new TextDecoder().decode((await service.proof(dep.task.id)).publicValues));
    expect(proven.input.setting).toBe("B");
    const detour = (await service.history(task.id)).find((a) => a.outcome === "stale_dependencies");
    expect(detour?.error).toBe(`leaf ${dep.task.id} proven under setting A, configured now B`);
  });

  it("fails a dependent after its retries when its dependency's plugin calls even fresh proofs stale", async () => {
    started = await startService({ database: await databaseFor(dialect), retry: { maxRetries: 2 } });
    const { service, script, host } = started;
    const dep = await service.submit(leaf(10), "native");
    await service.wait(dep.task.id, { timeoutMs: 5_000 });
    script.leafProofsAlwaysStale = true;
    script.graph.set(1, [leaf(10)]);
    const { task } = await service.submit(node(1), "native");
    const failed = await service.wait(task.id, { timeoutMs: 5_000 });
    expect(failed).toMatchObject({
      status: "permanent_failure",
      error: `gave up after 2 retries: dependency proofs still stale: leaf ${dep.task.id} every proof is stale to this plugin`,
    });
    // The first proof, then one per detour the retries allowed.
    expect(host.proveCalls.filter((c) => c.program === "leaf-program")).toHaveLength(3);
    expect(host.proveCalls.filter((c) => c.program === "node-program")).toHaveLength(0);
  });

  it("blocks a dependent queued when another took its stale dependency back, spending none of its retries", async () => {
    const database = await databaseFor(dialect, { file: true });
    const dep = await provenBeforeUpgrade(database, 10);
    const dependents = await leftProvingBeforeUpgrade(database, [1, 2]);

    await withLeafVersion("2", async () => {
      // An instance proving only dependents, one at a time: the first takes the dependency back,
      // the second is claimed while the dependency waits for an instance that proves it.
      const dependentsOnly = await startService({
        database,
        concurrency: 1,
        retry: { maxRetries: 1 },
        scheduling: { claim: { kinds: ["node"] }, prefetch: { depth: 0 } },
      });
      dependentsOnly.script.graph.set(1, [leaf(10)]);
      dependentsOnly.script.graph.set(2, [leaf(10)]);
      try {
        await vi.waitFor(
          async () => {
            for (const id of dependents) {
              expect(["blocked", "permanent_failure"]).toContain(
                (await dependentsOnly.service.status(id)).status,
              );
            }
          },
          { timeout: 5_000 },
        );
        for (const id of dependents) expect((await dependentsOnly.service.status(id)).status).toBe("blocked");
      } finally {
        await dependentsOnly.service.close();
      }

      started = await startService({ database });
      started.script.graph.set(1, [leaf(10)]);
      started.script.graph.set(2, [leaf(10)]);
      for (const id of dependents) {
        expect((await started.service.wait(id, { timeoutMs: 5_000 })).status).toBe("completed");
      }
      expect(started.script.dependencyVersions.get(2)).toEqual(["2"]);
      expect(path(started, dep)).toEqual(["proving", "completed"]);
    });
  });

  it("refuses a proof a host answered for another version of its program, rather than prove it again for ever", async () => {
    const database = await databaseFor(dialect);
    // A host that labels the leaf's proofs with a version of its own, not the program's.
    const host = new (class extends TestHost {
      override async prove(...args: Parameters<TestHost["prove"]>) {
        const receipt = await super.prove(...args);
        if (args[0].name !== "leaf-program") return receipt;
        return { ...receipt, metadata: { ...receipt.metadata, version: "host-1" } };
      }
    })();
    started = await startService({ database, host, retry: { maxRetries: 0 } });
    started.script.graph.set(1, [leaf(10)]);
    const { task } = await started.service.submit(node(1), "native");
    const done = await started.service.wait(task.id, { timeoutMs: 5_000 });
    expect(done).toMatchObject({
      status: "permanent_failure",
      error: expect.stringContaining(
        'the native host answered a proof made by version "host-1" of program "leaf-program", which is at version "1" now',
      ),
    });
    expect(host.proveCalls.filter((c) => c.program === "leaf-program")).toHaveLength(1);
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
