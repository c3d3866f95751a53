/**
 * An instance left running while a newer version of PaaS migrates the shared database (an upgrade
 * done the wrong way round): it stops at its next heartbeat, saying why, with exit code 1, rather
 * than go on writing with statements that may no longer fit the tables. A start of it afterwards
 * is refused as before.
 */
import { createTestDatabase } from "@paas/core/testing";
import { until } from "@paas/testing";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, spawnProverClient, stopChild, tempDatadir } from "../../scenarios/app.js";

const postgres = inject("postgres");
/** Where no node answers: nothing here proves. */
const NO_NODE = "http://127.0.0.1:9/";

describe.skipIf(postgres.url === undefined)("a newer version migrating the shared database", () => {
  it("stops a running prover client with exit code 1, naming the migration", {
    timeout: CLI_TEST_TIMEOUT_MS,
  }, async () => {
    const database = await createTestDatabase("postgres", postgres);
    const { location } = database;
    if (!("url" in location) || location.schema === undefined)
      throw new Error("expected a PostgreSQL schema");
    const data = tempDatadir();
    const child = spawnProverClient(
      data.dir,
      NO_NODE,
      [`database.url="${location.url}"`, `database.schema="${location.schema}"`, "cluster.lease_ms=1500"],
      ["ignore", "ignore", "pipe"],
    );
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const session = new pg.Client({
      connectionString: location.url,
      options: `-c search_path=${location.schema}`,
    });
    await session.connect();
    try {
      // Started: its instance has joined the cluster.
      await until(
        async () =>
          (await session.query("select id from instances").catch(() => ({ rows: [] }))).rows.length === 1,
        "the prover client joined",
        CLI_TEST_TIMEOUT_MS - 30_000,
      );
      await session.query("insert into kysely_migration (name, timestamp) values ($1, $2)", [
        "9999_from_a_newer_version",
        new Date().toISOString(),
      ]);
      expect(await exited).toBe(1);
      expect(stderr).toContain(
        "error: the task database was migrated by a newer version of PaaS while this instance ran (9999_from_a_newer_version): this instance stops; run the newer version in its place",
      );
      expect((await session.query("select id from instances")).rows).toEqual([]);
    } finally {
      await stopChild(child, "SIGKILL");
      await session.end();
      data.remove();
      await database.dispose();
    }
  });
});
