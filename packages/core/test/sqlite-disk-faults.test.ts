import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import { afterEach, expect, it } from "vitest";
import {
  DatabaseUnusableError,
  openDatabase,
  type ProgramDescriptor,
  type ProofReceipt,
  type ProveOptions,
  type ProverService,
} from "../src/index.js";
import { type HeldConnection, heldConnectionOf } from "../src/store/held-connection.js";
import { openSqlite } from "../src/store/open-sqlite.js";
import { leaf } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { start, until } from "./support/services.js";

/** Proofs of 64 KiB, as real ones are: storing one needs new pages (overflow pages) in the file. */
class BigProofHost extends TestHost {
  override async prove(
    program: ProgramDescriptor,
    input: unknown,
    options: ProveOptions,
  ): Promise<ProofReceipt> {
    const receipt = await super.prove(program, input, options);
    return { ...receipt, proof: new Uint8Array(64 * 1024).fill(7) };
  }
}

/** The service's own SQLite connection: `max_page_count` is a setting of the connection. */
function connectionOf(service: ProverService): HeldConnection {
  const db = (service as unknown as { parts: { store: { db: Kysely<never> } } }).parts.store.db;
  return heldConnectionOf(db)!;
}

/** The disk fills up: the database file cannot grow beyond the pages it has now. */
function fillDisk(connection: HeldConnection): void {
  const [{ page_count }] = connection.run("pragma page_count", []) as [{ page_count: number }];
  connection.run(`pragma max_page_count = ${page_count}`, []);
}

function freeDisk(connection: HeldConnection): void {
  connection.run("pragma max_page_count = 1073741823", []);
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): { path: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-disk-"));
  dirs.push(dir);
  return { path: path.join(dir, "paas.sqlite") };
}

it("keeps proofs computed while the disk is full, says so, and stores each once space comes back", async () => {
  const host = new BigProofHost();
  const release = host.hold();
  const { service, logs } = await start(databaseFile(), {
    host,
    scheduling: { leaseMs: 600, pollIntervalMs: 200 },
  });
  const connection = connectionOf(service);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await service.submit(leaf(i), "native")).task.id);
  await until(() => host.active === 2, "two proofs under way");

  fillDisk(connection);
  release();
  await until(
    () => logs.some((l) => l.level === "warn" && JSON.stringify(l.fields).includes("SQLITE_FULL")),
    "a warning naming SQLITE_FULL",
  );
  // Held a while longer: more than enough for every retry the test's policy allows (10–100 ms).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const id of ids) {
    const task = await service.status(id);
    expect(task.status, `${id} while the disk is full`).not.toBe("permanent_failure");
    expect(task.retryCount).toBe(0);
  }

  freeDisk(connection);
  await until(
    async () =>
      (await Promise.all(ids.map((id) => service.status(id)))).every((t) => t.status === "completed"),
    "every task completed once space is back",
  );
  for (const id of ids) {
    const task = await service.status(id);
    expect(task.retryCount).toBe(0);
    expect(task.interruptions).toBe(0);
    expect((await service.proof(id)).proof.length).toBe(64 * 1024);
  }
  // Each task proven once: a proof computed while the disk was full was kept, not proven again.
  expect(host.proveCalls).toHaveLength(4);
}, 30_000);

it("reports a write the full disk refused as SQLITE_FULL, not as the rollback SQLite already did", async () => {
  const opened = await openDatabase(databaseFile());
  try {
    await sql`create table ballast (b blob)`.execute(opened.db);
    const connection = heldConnectionOf(opened.db as unknown as Kysely<never>)!;
    fillDisk(connection);
    const write = opened.db
      .transaction()
      .execute((trx) => sql`insert into ballast values (${new Uint8Array(64 * 1024)})`.execute(trx));
    await expect(write).rejects.toMatchObject({ code: "SQLITE_FULL" });
    freeDisk(connection);
    await sql`insert into ballast values (${new Uint8Array(64 * 1024)})`.execute(opened.db);
  } finally {
    await opened.close();
  }
});

it("keeps proofs computed while another process holds the SQLite file locked, and stores each once it lets go", async () => {
  const file = databaseFile();
  const host = new TestHost();
  const release = host.hold();
  const { service } = await start(file, { host });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) ids.push((await service.submit(leaf(i), "native")).task.id);
  await until(() => host.active === 2, "two proofs under way");

  // An operator's sqlite3 shell in a write transaction, held past the 5 s a write waits for it.
  const shell = new Database(file.path);
  shell.exec("begin immediate");
  try {
    release();
    await until(() => host.active === 0, "both proofs computed");
    // Each write now waits 5 s for the lock (between turns: see the next test) and is refused.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
  } finally {
    shell.exec("rollback");
    shell.close();
  }
  await until(
    async () =>
      (await Promise.all(ids.map((id) => service.status(id)))).every((t) => t.status === "completed"),
    "every task completed once the file is let go",
    30_000,
  );
  // Each task proven once: a proof computed while the file was locked was kept, not proven again.
  expect(host.proveCalls).toHaveLength(2);
}, 60_000);

it("answers at once while another process holds the SQLite file locked: no write waits for it on this thread", async () => {
  // better-sqlite3 is synchronous: a write waiting out a 5 s busy timeout held the whole process
  // (RPC answers, /metrics, /ready, lease renewals) 5 s at a time for as long as the lock was held.
  const file = databaseFile();
  const host = new TestHost();
  const release = host.hold();
  const { service } = await start(file, { host });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) ids.push((await service.submit(leaf(i), "native")).task.id);
  await until(() => host.active === 2, "two proofs under way");

  const shell = new Database(file.path);
  shell.exec("begin immediate");
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const gaps: number[] = [];
  let submitting: Promise<unknown> | undefined;
  try {
    delay.enable();
    release();
    await until(() => host.active === 0, "both proofs computed");
    // A submission made meanwhile is a write too; it goes through once the lock is let go.
    submitting = service.submit(leaf(2), "native");
    // Awaited after the timings; on the old code it was refused while they were measured.
    submitting.catch(() => undefined);
    // A status read every 50 ms, as a client polling it would: the time between two answers is how
    // long a client waited (a read itself never waits for the write lock: WAL).
    const began = performance.now();
    for (let answered = began; answered - began < 2_000; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await service.status(ids[0]!);
      const now = performance.now();
      gaps.push(now - answered);
      answered = now;
    }
  } finally {
    delay.disable();
    shell.exec("rollback");
    shell.close();
  }
  // Bounds far below the busy timeout, and far above what a loaded machine needs.
  expect(Math.max(...gaps), "longest wait for a status answer while locked (ms)").toBeLessThan(2_000);
  expect(delay.max / 1e6, "longest event-loop delay while locked (ms)").toBeLessThan(2_000);
  const third = ((await submitting) as { task: { id: string } }).task.id;
  await until(
    async () =>
      (await Promise.all([...ids, third].map((id) => service.status(id)))).every(
        (t) => t.status === "completed",
      ),
    "every task completed once the file is let go",
    30_000,
  );
  expect(host.proveCalls).toHaveLength(3);
}, 60_000);

it("lists the instances while the disk is full: the report reads them, it must not need a write", async () => {
  const { service } = await start(databaseFile());
  const connection = connectionOf(service);
  // An instance gone for long, whose row the list drops; as a full disk makes every write, its
  // deletion is refused (the ballast its trigger adds needs a new page).
  connection.run(
    "insert into instances (id, host, pid, role, started_at, heartbeat_at, lease_ms) values ('gone', 'h', 1, 'all', 0, 0, 1000)",
    [],
  );
  connection.run("create table ballast (b blob)", []);
  connection.run(
    "create trigger grow after delete on instances begin insert into ballast values (zeroblob(65536)); end",
    [],
  );
  fillDisk(connection);
  const ids = (await service.instances()).map((instance) => instance.id);
  expect(ids).not.toContain("gone");
  expect(ids).toHaveLength(1);
  freeDisk(connection);
});

it("says in its write stall that the disk is full, not only that no write went through", async () => {
  const { service } = await start(databaseFile(), { scheduling: { leaseMs: 300 } });
  const connection = connectionOf(service);
  // The heartbeat renews its row in place; as a full disk makes every write, it is refused (the
  // ballast its trigger adds needs a new page).
  connection.run("create table ballast (b blob)", []);
  connection.run(
    "create trigger grow after update on instances begin insert into ballast values (zeroblob(65536)); end",
    [],
  );
  fillDisk(connection);
  await until(() => service.writeStall() !== undefined, "a write stall");
  expect(service.writeStall()).toMatch(
    /^no write has reached it for \d+ s \(this instance's heartbeat: the database is full \(free space for the task database\)\): nothing can be claimed or stored here$/,
  );
  freeDisk(connection);
  await until(() => service.writeStall() === undefined, "the heartbeat writing again");
});

it("refuses a start on a full disk saying so, and leaves no lock held", async () => {
  // The lock's holder file is the first thing a start writes; /dev/full refuses every write (ENOSPC).
  const { path: file } = databaseFile();
  symlinkSync("/dev/full", `${file}.lock.json`);
  const refused = await openSqlite(file).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(DatabaseUnusableError);
  expect((refused as Error).message).toBe(
    `${file} cannot be used as the task database: the disk holding it is full (ENOSPC: no space left on device, write); free space on it and start again`,
  );
  // Space again: the same start goes through, its lock not held by the refused one.
  rmSync(`${file}.lock.json`);
  const opened = await openSqlite(file);
  await opened.close();
});
