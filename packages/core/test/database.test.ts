import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { TASK_STATUSES } from "../src/contracts/status.js";
import { type DatabaseLocation, openDatabase, taskKey } from "../src/index.js";
import { ClusterStore } from "../src/store/cluster-store.js";
import { LATEST_MIGRATION, migrationsFor } from "../src/store/migrations/index.js";
import { OwnSchemaPostgresDialect } from "../src/store/own-schema-dialect.js";
import { toTaskRecord } from "../src/store/rows.js";
import { TaskStore } from "../src/store/task-store.js";
import { leaf, node, startService } from "./fixtures/start-service.js";
import { TestScript } from "./fixtures/test-plugins.js";
import { applicationRole, DIALECTS, databaseFor, postgres } from "./support/dialects.js";

/** Starts migrating `database` in a child process and kills it `delayMs` after it said it begins. */
async function killMidMigration(database: DatabaseLocation, delayMs: number): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(import.meta.dirname, "fixtures/migrate-child.ts"),
      JSON.stringify(database),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("migrating")) resolve();
    });
    child.once("exit", () => resolve());
  });
  setTimeout(() => child.kill("SIGKILL"), delayMs);
  await exited;
  return out;
}

async function migrations(location: DatabaseLocation): Promise<string[]> {
  const opened = await openDatabase(location);
  try {
    const rows = await opened.db
      .selectFrom("kysely_migration" as never)
      .select("name" as never)
      .orderBy("name" as never)
      .execute();
    return rows.map((r) => (r as { name: string }).name);
  } finally {
    await opened.close();
  }
}

/** A database migrated up to `last` only, as an earlier version of PaaS left it. */
async function openAt(location: DatabaseLocation, last: string): Promise<Kysely<unknown>> {
  if ("path" in location) {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(location.path) }),
    });
    await migrateTo(db, "sqlite", last);
    return db;
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    ...(location.schema !== undefined && { options: `-c search_path=${location.schema}` }),
  });
  if (location.schema !== undefined) await pool.query(`create schema if not exists ${location.schema}`);
  // kysely's own dialect reads every schema's tables, so other tests migrating beside this one failed
  // it ("relation … does not exist"); the store's dialect reads only this schema.
  const db = new Kysely<unknown>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  await migrateTo(db, "postgres", last, location.schema);
  return db;
}

async function migrateTo(db: Kysely<unknown>, dialect: "sqlite" | "postgres", last: string, schema?: string) {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateTo(last);
  if (error) throw error;
}

describe.each(DIALECTS)("migrations (%s)", (dialect) => {
  it("leave the database openable whenever the process is killed during them", async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const database = await databaseFor(dialect, { file: true });
      const out = await killMidMigration(database, Math.floor(Math.random() * 40));
      outcomes.add(out.includes("migrated") ? "finished" : "interrupted");
      expect(await migrations(database)).toEqual([
        "0001_tasks_and_receipts",
        "0002_cluster",
        "0003_statement_counts",
        "0004_kind_seq_index",
        "0005_sqlite_renamable_schema",
        "0006_history_by_task_seq",
        "0007_status_seq_index",
        "0008_requeue_unleased_proving",
        "0009_completed_at_index",
        "0010_instance_lease",
        "0011_task_waiting",
        LATEST_MIGRATION,
      ]);
    }
    // Most rounds are killed before the migrations commit; the test is about those.
    expect(outcomes.has("interrupted")).toBe(true);
  }, 120_000);

  it("keep every receipt and attempt when they move to their task's seq (0006)", async () => {
    const location = await databaseFor(dialect, { file: true });
    const id = (n: number) => String(n).repeat(32);
    const old = await openAt(location, "0005_sqlite_renamable_schema");
    try {
      for (const n of [1, 2]) {
        await sql`insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at)
          values (${id(n)}, 'leaf', 'native', ${`{"kind":"leaf","n":${n}}`}, 'completed', 'prove', 1, 2)`.execute(
          old,
        );
        await sql`insert into receipts (task_id, proof, public_values, zkvm, program_id, version, proof_type, created_at)
          values (${id(n)}, ${Buffer.from([n])}, ${Buffer.from([n, n])}, 'native', ${Buffer.alloc(32, n)}, '1', 'core', 2)`.execute(
          old,
        );
        for (const attempt of [1, 2]) {
          await sql`insert into task_attempts (task_id, attempt, phase, instance, started_at, ended_at, outcome, error)
            values (${id(n)}, ${attempt}, 'prove', 'i', 1, 2, ${attempt === 1 ? "transient_failure" : "proven"}, null)`.execute(
            old,
          );
        }
      }
    } finally {
      await old.destroy();
    }
    const opened = await openDatabase(location);
    try {
      const store = new TaskStore(opened.db, opened.dialect);
      for (const n of [1, 2]) {
        const receipt = await store.receipt(id(n));
        expect(receipt && Buffer.from(receipt.proof)).toEqual(Buffer.from([n]));
        const found = await store.getWithAttempts(id(n));
        expect(found?.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
          [1, "transient_failure"],
          [2, "proven"],
        ]);
      }
    } finally {
      await opened.close();
    }
  });

  it("run a task a version before leases left proving, and its dependent after it (0008)", async () => {
    // Before 0002 a stop or a crash left tasks `proving`, and the next start queued them again.
    const location = await databaseFor(dialect, { file: true });
    const old = await openAt(location, "0001_tasks_and_receipts");
    const proving = { context: leaf(1), backend: "native" };
    const blocked = { context: node(100), backend: "native" };
    try {
      await sql`insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at)
        values (${taskKey(proving)}, 'leaf', 'native', '{"index":1,"kind":"leaf"}', 'proving', 'prove', 1, 1),
               (${taskKey(blocked)}, 'node', 'native', '{"index":100,"kind":"node"}', 'blocked', 'resolve', 2, 2)`.execute(
        old,
      );
      await sql`insert into task_deps (task_id, dep_id, position) values (${taskKey(blocked)}, ${taskKey(proving)}, 0)`.execute(
        old,
      );
    } finally {
      await old.destroy();
    }
    const script = new TestScript();
    script.graph.set(100, [leaf(1)]);
    const { service } = await startService({ database: location, script });
    try {
      const done = await service.wait(taskKey(blocked), { timeoutMs: 10_000 });
      expect(done.status).toBe("completed");
      expect((await service.status(taskKey(proving))).status).toBe("completed");
      expect((await service.summary()).byStatus).toMatchObject({ completed: 2, proving: 0, blocked: 0 });
    } finally {
      await service.close();
    }
  });

  it("keep counts, history, the last completion and the instances of a database a version at 0008 filled (0009, 0010)", async () => {
    const location = await databaseFor(dialect, { file: true });
    const old = await openAt(location, "0008_requeue_unleased_proving");
    const now = Date.now();
    const id = (kind: string, status: string) => `${kind}_${status}`.padEnd(32, "0");
    const completed = id("leaf", "completed");
    try {
      for (const kind of ["leaf", "node"]) {
        for (const [i, status] of TASK_STATUSES.entries()) {
          const held = status === "proving" || status === "publishing";
          await sql`insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at, owner, lease_expires_at)
            values (${id(kind, status)}, ${kind}, 'native', ${`{"index":${i},"kind":"${kind}"}`}, ${status},
              ${status === "publishing" ? "publish" : "prove"}, ${i}, ${(kind === "leaf" ? 1_000 : 2_000) + i},
              ${held ? "old" : null}, ${held ? now + 60_000 : null})`.execute(old);
        }
      }
      await sql`insert into task_deps (task_id, dep_id, position) values (${id("node", "blocked")}, ${id("leaf", "queued")}, 0)`.execute(
        old,
      );
      await sql`insert into receipts (task_seq, proof, public_values, zkvm, program_id, version, proof_type, created_at)
        select seq, ${Buffer.from([1])}, ${Buffer.from([2])}, 'native', ${Buffer.alloc(32, 3)}, '1', 'core', 4 from tasks where id = ${completed}`.execute(
        old,
      );
      await sql`insert into task_attempts (task_seq, attempt, phase, instance, started_at, ended_at, outcome, error)
        select seq, 1, 'prove', 'old', 1, 2, 'proven', null from tasks where id = ${completed}`.execute(old);
      // The row an instance of that version keeps renewing: it says nothing of its lease.
      await sql`insert into instances (id, host, pid, role, started_at, heartbeat_at) values ('old', 'h', 1, 'all', ${now}, ${now})`.execute(
        old,
      );
    } finally {
      await old.destroy();
    }
    const opened = await openDatabase(location);
    try {
      const store = new TaskStore(opened.db, opened.dialect);
      const counts = (await store.counts()).map((c) => `${c.kind} ${c.status} ${c.count}`).sort();
      expect(counts).toEqual(
        ["leaf", "node"].flatMap((kind) => TASK_STATUSES.map((status) => `${kind} ${status} 1`)).sort(),
      );
      const done = TASK_STATUSES.indexOf("completed");
      expect(await store.lastCompletedAt("leaf")).toBe(1_000 + done);
      expect(await store.lastCompletedAt("node")).toBe(2_000 + done);
      expect((await store.getWithAttempts(completed))?.attempts.map((a) => a.outcome)).toEqual(["proven"]);
      expect((await store.receipt(completed))?.metadata.version).toBe("1");
      const cluster = new ClusterStore(opened.db, opened.dialect);
      expect((await cluster.live(Date.now(), 30_000)).map((i) => [i.id, i.tasksHeld])).toEqual([["old", 4]]);
      // Judged by the reader's lease, as before 0010: gone two of those after its last heartbeat.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await cluster.live(Date.now(), 10)).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it("mark the tasks a version at 0010 left waiting for the chain as waiting, by their last attempt (0011), and count them apart (0012)", async () => {
    const location = await databaseFor(dialect, { file: true });
    const old = await openAt(location, "0010_instance_lease");
    const id = (name: string) => name.padEnd(32, "0");
    // Each task: its status, then the outcomes of its attempts 1, 2, …; the last is the latest.
    const tasks: [string, string, string[]][] = [
      ["waits", "transient_failure", ["transient_failure", "waiting"]],
      ["fails", "transient_failure", ["waiting", "transient_failure"]],
      ["queued", "queued", ["waiting"]],
    ];
    try {
      for (const [i, [name, status, outcomes]] of tasks.entries()) {
        await sql`insert into tasks (id, kind, backend, context, status, phase, created_at, updated_at, attempt, next_attempt_at, error)
          values (${id(name)}, 'leaf', 'native', ${`{"index":${i},"kind":"leaf"}`}, ${status}, 'prove', 1, 2,
            ${outcomes.length}, ${status === "queued" ? null : 3}, ${status === "queued" ? null : "block 9: not produced yet"})`.execute(
          old,
        );
        for (const [a, outcome] of outcomes.entries()) {
          await sql`insert into task_attempts (task_seq, attempt, phase, instance, started_at, ended_at, outcome, error)
            select seq, ${a + 1}, 'prove', 'old', 1, 2, ${outcome}, null from tasks where id = ${id(name)}`.execute(
            old,
          );
        }
      }
    } finally {
      await old.destroy();
    }
    const opened = await openDatabase(location);
    try {
      const store = new TaskStore(opened.db, opened.dialect);
      const { rows } = await store.list({}, Date.now());
      expect(
        rows.map(toTaskRecord).map((t) => [t.id, t.status === "transient_failure" && t.waiting]),
      ).toEqual([
        [id("waits"), true],
        [id("fails"), undefined],
        [id("queued"), false],
      ]);
      // The index 0012 builds holds the task 0011 marked, as the counts read it.
      expect((await store.counts()).sort((a, b) => a.status.localeCompare(b.status))).toEqual([
        { kind: "leaf", backend: "native", status: "queued", count: 1 },
        { kind: "leaf", backend: "native", status: "transient_failure", count: 2, waiting: 1 },
      ]);
    } finally {
      await opened.close();
    }
  });

  it("are refused on a database a newer version migrated, naming every migration this one does not know", async () => {
    // An instance of this version restarted during a rolling upgrade, after a newer one migrated.
    const location = await databaseFor(dialect, { file: true });
    const newer = await openAt(location, LATEST_MIGRATION);
    try {
      for (const name of ["0013_from_a_newer_version", "0014_from_a_newer_version"]) {
        await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(
          newer,
        );
      }
    } finally {
      await newer.destroy();
    }
    const refused = await openDatabase(location).then(
      async (opened) => void (await opened.close()),
      (e: unknown) => e as Error & { code?: string },
    );
    expect(refused?.code).toBe("DATABASE_UNUSABLE");
    expect(refused?.message).toMatch(
      /was written by a newer version of PaaS \(0013_from_a_newer_version, 0014_from_a_newer_version\); run that version/,
    );
    // Not damage to repair: deleting the records let this version write to a schema it does not know.
    expect(refused?.message).not.toMatch(/corrupt/);
    // Another database for one instance of a cluster would be a cluster of its own.
    expect(refused?.message).toMatch(
      dialect === "sqlite" ? /or give this one another database$/ : /every instance sharing a database runs/,
    );
  });

  it("give back the index on (status, seq) that the first 0002 dropped (0007)", async () => {
    const location = await databaseFor(dialect, { file: true });
    const old = await openAt(location, "0006_history_by_task_seq");
    try {
      // What 0002 did as released first (f35db76): databases it ran on have lacked the index since.
      await sql`drop index tasks_status_seq`.execute(old);
    } finally {
      await old.destroy();
    }
    const opened = await openDatabase(location);
    try {
      const indexes =
        dialect === "sqlite"
          ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'tasks'`
          : sql<{
              name: string;
            }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'tasks'`;
      expect((await indexes.execute(opened.db)).rows.map((r) => r.name)).toContain("tasks_status_seq");
    } finally {
      await opened.close();
    }
    // Where the index was never dropped, the migration leaves it as it is.
    await (await openDatabase(await databaseFor(dialect, { file: true }))).close();
  });

  it("open a database whose migrations were recorded by a clock that later went back", async () => {
    const location = await databaseFor(dialect, { file: true });
    const old = await openAt(location, "0003_statement_counts");
    try {
      // Recorded by a host whose clock was ahead; the next version migrates with a clock that is right.
      await sql`update kysely_migration set timestamp = '2099-01-01T00:00:00.000Z'`.execute(old);
    } finally {
      await old.destroy();
    }
    await (await openDatabase(location)).close();
    // The next start, of this version or a later one, must not take it for a newer version's.
    expect(await migrations(location)).toContain(LATEST_MIGRATION);
  });

  it("leave a schema that later migrations can rename in, with task counts still kept", async () => {
    const opened = await openDatabase(await databaseFor(dialect));
    try {
      // SQLite checks every trigger again at a rename; 0002's counting triggers once failed that.
      await sql`alter table receipts rename to receipts_renamed`.execute(opened.db);
      await sql`alter table receipts_renamed rename column zkvm to vm`.execute(opened.db);
      await sql`alter table receipts_renamed rename column vm to zkvm`.execute(opened.db);
      await sql`alter table receipts_renamed rename to receipts`.execute(opened.db);
      const store = new TaskStore(opened.db, opened.dialect);
      const row = { kind: "leaf", backend: "native", context: '{"kind":"leaf"}', phase: "prove" } as const;
      await store.insertMany([{ ...row, id: "a".repeat(32), status: "queued" }], 1);
      await store.insertMany([{ ...row, id: "b".repeat(32), status: "queued" }], 1);
      expect(await store.counts()).toEqual([{ kind: "leaf", backend: "native", status: "queued", count: 2 }]);
    } finally {
      await opened.close();
    }
  });
});

describe.runIf(postgres.url !== undefined)("a PostgreSQL database shared with others", () => {
  it("is migrated once by instances starting on it together, fresh", async () => {
    // Every instance of a new cluster started at once (a deployment's replicas): kysely's advisory
    // lock serialises their migrations, and each creation before it (schema, bookkeeping tables)
    // tolerates another's.
    const location = await databaseFor("postgres");
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(location)));
    for (const result of results) if (result.status === "fulfilled") await result.value.close();
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const names = await migrations(location);
    expect(names).toEqual(Object.keys(migrationsFor("postgres")));
  });

  it("opens while other clients create and drop schemas of their own", async () => {
    // Another tenant (or another test run's clean-up) churning schemas beside our start-ups: each
    // start-up reads the catalogue, and must not trip over a schema dropped while it reads.
    const other = new pg.Client({ connectionString: postgres.url });
    await other.connect();
    let churning = true;
    let dropped = 0;
    const churn = (async () => {
      while (churning) {
        const name = `churn_${process.pid}_${dropped}`;
        await other.query(`create schema ${name}; create table ${name}.t (a int)`);
        await other.query(`drop schema ${name} cascade`);
        dropped++;
      }
    })();
    try {
      for (let i = 0; i < 12; i++) {
        const opened = await openDatabase(await databaseFor("postgres"));
        await opened.close();
      }
    } finally {
      churning = false;
      await churn;
      await other.end();
    }
    expect(dropped).toBeGreaterThan(12);

    // What the catalogue read sees: this database's tables with their columns, no one else's.
    const location = await databaseFor("postgres");
    const opened = await openDatabase(location);
    try {
      const tables = await opened.db.introspection.getTables();
      expect(tables.map((t) => t.name).sort()).toEqual([
        "instances",
        "receipts",
        "service_leases",
        "task_attempts",
        "task_counts",
        "task_deps",
        "tasks",
      ]);
      expect(new Set(tables.map((t) => t.schema))).toEqual(
        new Set([(location as { schema: string }).schema]),
      );
      const columns = tables.find((t) => t.name === "tasks")?.columns ?? [];
      expect(columns.slice(0, 2)).toMatchObject([
        { name: "seq", dataType: "int8", isNullable: false, isAutoIncrementing: true },
        { name: "id", dataType: "text", isNullable: false, isAutoIncrementing: false },
      ]);
    } finally {
      await opened.close();
    }
  }, 60_000);
});

/** The schema a session works in, and one of its settings. */
async function sessionOf(
  location: DatabaseLocation,
  setting: string,
): Promise<{ schema: string; value: string }> {
  const opened = await openDatabase(location);
  try {
    const { rows } = await sql<{ schema: string; value: string }>`
      select current_schema() as schema, current_setting(${setting}) as value`.execute(opened.db);
    return rows[0]!;
  } finally {
    await opened.close();
  }
}

describe.runIf(postgres.url !== undefined)("a PostgreSQL database set up as a DBA would", () => {
  it("opens no more connections than database.pool_size lets it, and proves with the smallest pool", async () => {
    const location = { ...((await databaseFor("postgres")) as { url: string; schema: string }), poolSize: 3 };
    // Six statements at once: a pool of ten opens six sessions, one of three no more than three.
    const opened = await openDatabase(location);
    try {
      const pids = await Promise.all(
        Array.from({ length: 6 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(opened.db),
        ),
      );
      expect(new Set(pids.map((r) => r.rows[0]!.pid)).size).toBeLessThanOrEqual(3);
    } finally {
      await opened.close();
    }
    const script = new TestScript();
    script.graph.set(100, [leaf(1), leaf(2), leaf(3)]);
    const { service } = await startService({ database: location, script });
    try {
      const { task } = await service.submit(node(100), "native");
      expect((await service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
    } finally {
      await service.close();
    }
    await expect(openDatabase({ ...location, poolSize: 2 })).rejects.toThrow(
      /a pool of 2 connections is too small: the group commit, lease renewals and reads need at least 3/,
    );
  });

  it("keeps the tables in the configured schema when the URL carries session options of its own", async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const withOptions = new URL(url);
    withOptions.searchParams.set("options", "-c statement_timeout=12345");
    const location = { url: withOptions.href, schema };
    expect(await sessionOf(location, "statement_timeout")).toEqual({ schema, value: "12345ms" });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query("select tablename from pg_tables where schemaname = $1", [schema]);
      expect(rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(["tasks", "kysely_migration"]));
    } finally {
      await admin.end();
    }
  });

  it("opens a schema made for its role, which may not create schemas", async () => {
    const role = await applicationRole();
    const schema = `paas_own_${randomBytes(5).toString("hex")}`;
    try {
      await role.admin.query(`create schema ${schema} authorization ${role.name}`);
      expect(await sessionOf({ url: role.url, schema }, "search_path")).toMatchObject({ schema });
      // A schema that is not there is refused saying how to provide it.
      await expect(openDatabase({ url: role.url, schema: `${schema}_missing` })).rejects.toMatchObject({
        code: "DATABASE_UNUSABLE",
        message: expect.stringMatching(/cannot create schema .*permission denied.*authorization <role>/),
      });
    } finally {
      await role.admin.query(`drop schema if exists ${schema} cascade`);
      await role.drop();
    }
  });

  it("says what right a role that may not create tables lacks", async () => {
    const role = await applicationRole();
    // Like `public` since PostgreSQL 15 for every role but the database's owner.
    const schema = `paas_theirs_${randomBytes(5).toString("hex")}`;
    try {
      await role.admin.query(`create schema ${schema}; grant usage on schema ${schema} to ${role.name}`);
      await expect(openDatabase({ url: role.url, schema })).rejects.toMatchObject({
        code: "DATABASE_UNUSABLE",
        message: expect.stringMatching(
          /preparing the migrations failed: permission denied for schema .*grant CREATE on the schema/,
        ),
      });
    } finally {
      await role.admin.query(`drop schema if exists ${schema} cascade`);
      await role.drop();
    }
  });

  it("keeps an instance with no schema configured on the tables it started on when its role's own schema appears", async () => {
    // PostgreSQL's default search path is `"$user", public`: the role's own schema once it exists.
    // An instance configured without `database.schema` started where the path led; another given
    // the role's name as its schema (by mistake, or another rollup's) then created that schema.
    const role = await applicationRole();
    const home = `paas_home_${randomBytes(5).toString("hex")}`;
    try {
      await role.admin.query(`create schema ${home} authorization ${role.name}`);
      await role.admin.query(`alter role ${role.name} set search_path = "$user", ${home}`);
      await role.admin.query(
        `grant create on database ${new URL(postgres.url!).pathname.slice(1)} to ${role.name}`,
      );
      const { service } = await startService({ database: { url: role.url } });
      try {
        const { task } = await service.submit(leaf(7), "native");
        expect((await service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
        await (await openDatabase({ url: role.url, schema: role.name })).close();
        // Still its own task, on its own tables: not the other schema's, where it does not exist.
        expect((await service.status(task.id)).status).toBe("completed");
        const { task: next } = await service.submit(leaf(8), "native");
        expect((await service.wait(next.id, { timeoutMs: 10_000 })).status).toBe("completed");
        const admin = role.admin;
        const counted = async (schema: string) =>
          Number((await admin.query(`select count(*) as n from ${schema}.tasks`)).rows[0].n);
        expect([await counted(home), await counted(role.name)]).toEqual([2, 0]);
      } finally {
        await service.close();
      }
    } finally {
      // `drop owned` revokes the grant on the database too.
      await role.drop();
    }
  });

  it("waits for another instance's migration beyond the role's statement_timeout, which holds after", async () => {
    const { url, schema } = (await databaseFor("postgres")) as { url: string; schema: string };
    const app = `paas_migrating_${randomBytes(4).toString("hex")}`;
    const short = new URL(url);
    short.searchParams.set("options", "-c statement_timeout=200");
    short.searchParams.set("application_name", app);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    // kysely's migration lock, as another instance migrating a large database holds it.
    const MIGRATION_LOCK = "3853314791062309107";
    await other.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      const opening = sessionOf({ url: short.href, schema }, "statement_timeout");
      // Held past the timeout: the start-up's wait for the lock is one statement.
      await expect
        .poll(
          async () =>
            (
              await other.query(
                `select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'
                   and now() - query_start > interval '1 second'`,
                [app],
              )
            ).rowCount,
          { timeout: 10_000 },
        )
        .toBe(1);
      await other.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`);
      expect(await opening).toEqual({ schema, value: "200ms" });
    } finally {
      await other.end();
    }
  });
});

describe("a PostgreSQL server that cannot be reached", () => {
  it("is refused as a connection failure naming the server without its password, not as a migration failing", async () => {
    const error = await openDatabase({ url: "postgres://paas:secret@127.0.0.1:1/paas" }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe("DATABASE_UNUSABLE");
    expect(error?.message).toMatch(
      /^cannot connect to PostgreSQL at postgres:\/\/paas:\*\*\*@127\.0\.0\.1:1\/paas: .*ECONNREFUSED/,
    );
  });

  it("is refused after a while, not waited for forever, when the server never answers", {
    timeout: 30_000,
  }, async () => {
    // A firewall that drops packets, a host that accepts and hangs: the connection opens, no reply.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const error = await openDatabase({ url: `postgres://paas:secret@127.0.0.1:${port}/paas` }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error?.code).toBe("DATABASE_UNUSABLE");
      expect(error?.message).toMatch(
        /^cannot connect to PostgreSQL at postgres:\/\/paas:\*\*\*@127\.0\.0\.1:\d+\/paas: .*timeout/i,
      );
    } finally {
      silent.close();
    }
  });

  it("names it without a password given as a parameter either", async () => {
    const url = "postgres://paas@127.0.0.1:1/paas?password=hunter2&sslpassword=hunter3&application_name=x";
    const error = await openDatabase({ url }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(
      "postgres://paas@127.0.0.1:1/paas?password=***&sslpassword=***&application_name=x",
    );
    expect(error?.message).not.toMatch(/hunter/);
  });
});

describe("a database file that is not ours", () => {
  it("is refused with a typed error naming the file, whether garbage, another program's or newer than us", async () => {
    const garbage = await databaseFor("sqlite", { file: true });
    const file = (garbage as { path: string }).path;
    writeFileSync(file, "this is not a database, it is a shopping list\n".repeat(200));
    await expect(openDatabase(garbage)).rejects.toMatchObject({
      code: "DATABASE_UNUSABLE",
      message: expect.stringMatching(
        /paas\.sqlite cannot be used as the task database \(SQLITE_NOTADB: file is not a database\)/,
      ),
    });

    const foreign = await databaseFor("sqlite", { file: true });
    const other = new SqliteDatabase((foreign as { path: string }).path);
    other.exec("create table customers (id integer primary key, name text)");
    other.close();
    await expect(openDatabase(foreign)).rejects.toMatchObject({
      code: "DATABASE_UNUSABLE",
      message: expect.stringMatching(
        /is not a PaaS task database: it holds tables \(customers\) but no PaaS migration record/,
      ),
    });

    const newer = await databaseFor("sqlite", { file: true });
    await (await openDatabase(newer)).close();
    const ours = new SqliteDatabase((newer as { path: string }).path);
    ours.prepare("insert into kysely_migration (name, timestamp) values ('0099_from_the_future', 'x')").run();
    ours.close();
    await expect(openDatabase(newer)).rejects.toMatchObject({
      code: "DATABASE_UNUSABLE",
      message: expect.stringMatching(/was written by a newer version of PaaS/),
    });
  });
});

describe("rows read from SQLite", () => {
  it("come back as objects with every column, whatever its name, the last of a repeated name winning", async () => {
    const opened = await openDatabase(await databaseFor("sqlite", { file: true }));
    try {
      const query = sql<
        Record<string, unknown>
      >`select 1 as plain, 'x' as "quo""te", null as "a b", 2 as twice, 3 as twice, x'0102' as bytes`;
      const { rows } = await query.execute(opened.db);
      expect(rows).toEqual([{ plain: 1, 'quo"te': "x", "a b": null, twice: 3, bytes: Buffer.from([1, 2]) }]);
      // A statement that writes and returns rows is read the same way.
      const inserted = await sql<{
        n: number;
        shard: number;
      }>`insert into task_counts (kind, backend, status, shard, n) values ('k', 'b', 'queued', 7, 5) returning n, shard`.execute(
        opened.db,
      );
      expect(inserted.rows).toEqual([{ n: 5, shard: 7 }]);
      // Streaming reads (kysely's `stream`) give the same objects.
      const streamed = [];
      for await (const row of opened.db.selectFrom("task_counts").select(["kind", "shard", "n"]).stream())
        streamed.push(row);
      expect(streamed).toEqual([{ kind: "k", shard: 7, n: 5 }]);
    } finally {
      await opened.close();
    }
  });
});
