/**
 * A prover client on PostgreSQL killed with SIGKILL and started again on its data directory takes
 * over at once what the killed process held: the data directory's lock, which the kernel dropped
 * when it died, proves it dead. Its leases used to be waited out (20 to 40 s with the default
 * lease), the checkpoint runner's with them, and the report listed it meanwhile.
 */
import { cpSync } from "node:fs";
import { createTestDatabase } from "@paas/core/testing";
import { until } from "@paas/testing";
import { describe, expect, inject, it } from "vitest";
import { spawnProverClient, startApp, stopChild, tempDatadir, testConfig } from "../../scenarios/app.js";

const postgres = inject("postgres");
/** Where no node answers: nothing here proves. */
const NO_NODE = "http://127.0.0.1:9/";

describe.skipIf(postgres.url === undefined)("a restart after SIGKILL on PostgreSQL", () => {
  it("runs the cluster services at once, not once the killed process's lease lapses", {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase("postgres", postgres);
    const { location } = database;
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    const data = tempDatadir();
    const settings = [
      `database.url="${location.url}"`,
      `database.schema="${location.schema}"`,
      // Far longer than the test: only a takeover of the killed process's lease elects the next.
      "cluster.lease_ms=600000",
    ];
    const child = spawnProverClient(
      data.dir,
      NO_NODE,
      [...settings, 'log_level="info"'],
      ["ignore", "pipe", "inherit"],
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("elected to run the once-per-cluster services")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`prover client exited with ${code}: ${out}`)));
      });
    } finally {
      await stopChild(child, "SIGKILL");
    }

    const app = await startApp(testConfig(data.dir, NO_NODE, settings));
    try {
      await until(
        () => app.service.runsClusterServices,
        "the restarted client runs the cluster services",
        30_000,
      );
      // The killed process is not listed as if it were alive.
      expect(await app.service.instances()).toHaveLength(1);
    } finally {
      await app.close();
      data.remove();
      await database.dispose();
    }
  });

  it("leaves alone the instance whose data directory was copied to start another beside it", {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase("postgres", postgres);
    const { location } = database;
    if (!("url" in location)) throw new Error("expected a PostgreSQL location");
    const settings = [
      `database.url="${location.url}"`,
      `database.schema="${location.schema}"`,
      "cluster.lease_ms=600000",
    ];
    const first = tempDatadir();
    const second = tempDatadir();
    const running = await startApp(testConfig(first.dir, NO_NODE, settings));
    try {
      await until(() => running.service.runsClusterServices, "the first client is elected", 30_000);
      const [alive] = await running.service.instances();
      // A second instance on this machine, set up from a copy of the first one's directory.
      cpSync(first.dir, second.dir, { recursive: true });
      const beside = await startApp(testConfig(second.dir, NO_NODE, settings));
      try {
        // The first still runs: neither its row nor its lease of the cluster services is taken.
        expect((await beside.service.instances()).map((i) => i.id)).toContain(alive?.id);
        expect(beside.service.runsClusterServices).toBe(false);
      } finally {
        await beside.close();
      }
    } finally {
      await running.close();
      first.remove();
      second.remove();
      await database.dispose();
    }
  });
});
