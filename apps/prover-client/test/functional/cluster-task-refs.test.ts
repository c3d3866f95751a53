/**
 * A task another instance of the cluster proves, of a kind this one does not have, as the dashboard
 * and the CLI act on it here: named by its context it is found, read and cancelled as by its key (as
 * core reads a kind it does not register), not refused as an unknown kind while the task list shows
 * it; the cancel stops its holder; a retry says where it can be made.
 */
import { type ProofReceipt, type ProverService, ProverServiceBuilder, type TaskRecord } from "@paas/core";
import { createTestDatabase } from "@paas/core/testing";
import { until } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { rpc, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import type { ProverApp } from "../../src/app/build-app.js";

const postgres = inject("postgres");
/** Where no node answers: this app proves nothing here. */
const NO_NODE = "http://127.0.0.1:9/";

describe.skipIf(postgres.url === undefined)("a task another instance of the cluster proves", () => {
  let data: ReturnType<typeof tempDatadir>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: ProverApp;
  let other: ProverService;
  /** Why the other instance's proof stopped, once it did. */
  let stopped: unknown;

  beforeAll(async () => {
    data = tempDatadir();
    database = await createTestDatabase("postgres", postgres);
    const { location } = database;
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    app = await startApp(
      testConfig(data.dir, NO_NODE, [
        `database.url="${location.url}"`,
        `database.schema="${location.schema}"`,
        "plugin_settings.checkpoint.runner=false",
      ]),
    );
    other = await new ProverServiceBuilder({ database: location, instanceId: "other-instance" })
      .host({
        backend: "native",
        zkvm: "native",
        concurrency: 1,
        // Proves until cancelled: the task stays held by the other instance.
        prove: (_program, _input, { signal }) =>
          new Promise<ProofReceipt>((_, reject) =>
            signal.addEventListener("abort", () => {
              stopped = signal.reason;
              reject(signal.reason);
            }),
          ),
        close: async () => {},
      })
      .registerHandler(
        { kind: "elsewhere", program: { name: "elsewhere", version: "1" } },
        { parseContext: (raw) => raw, fetchInput: async () => null },
      )
      .launch();
  }, 60_000);

  afterAll(async () => {
    await other?.close();
    await app?.close();
    await database?.dispose();
    data?.remove();
  });

  it("is read and cancelled by its context, as by its key, and its retry says where to make it", {
    timeout: 60_000,
  }, async () => {
    const context = { kind: "elsewhere", index: 7 };
    const { task } = await other.submit(context, "native");
    await until(
      async () => (await other.status(task.id)).status === "proving",
      "the other instance proving it",
    );
    const client = rpc(app);
    const named = { context, backend: "native" };
    // Before, refused here as an unknown kind: the key worked, the context did not.
    expect((await client.call<TaskRecord>("paas_getTaskStatus", [named])).id).toBe(task.id);
    expect((await client.call<TaskRecord>("paas_cancelTask", [named])).status).toBe("cancelled");
    // The holder learns it at its next renewal, stops proving, and its attempt changes nothing.
    await until(() => stopped !== undefined, "the other instance to stop proving", 20_000);
    expect((await other.status(task.id)).status).toBe("cancelled");
    // Its retry needs its kind's plugin: the answer says where to retry it, not that it is unknown.
    await expect(client.call("paas_retryTask", [task.id])).rejects.toThrow(
      `task ${task.id} was not retried: no plugin here proves kind "elsewhere"`,
    );
    // A kind no instance has stored a task of is still a mistake, named as one.
    const typo = client.call("paas_getTaskStatus", [
      { context: { kind: "elsewher", index: 7 }, backend: "native" },
    ]);
    await expect(typo).rejects.toThrow('no plugin registered for kind "elsewher"');
  });
});
