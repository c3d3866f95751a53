import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DatabaseLocation, openDatabase } from "../src/index.js";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";
import { DIALECTS, databaseFor } from "./support/dialects.js";

let started: StartedService | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
});

/** Starts the crash child, waits until it has work in flight, and kills it with SIGKILL. */
async function crashMidProof(
  database: DatabaseLocation,
  scheduling?: { instanceId?: string; leaseMs: number },
): Promise<{ byStatus: Record<string, number> }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(import.meta.dirname, "fixtures/crash-child.ts"),
      JSON.stringify(database),
      ...(scheduling !== undefined ? [JSON.stringify(scheduling)] : []),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`crash child exited early with ${code}`)));
    });
    return JSON.parse(line);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

describe.each(DIALECTS)("restart recovery (%s)", (dialect) => {
  it("resumes every task after the process is killed mid-proof, keeping counts, storing each proof once", async () => {
    const database = await databaseFor(dialect, { file: true });
    // On SQLite the file's lock says at once that the killed process is gone: its leases, far
    // longer than the test, must not be waited out (with 600 ms ones, a start that left them to
    // lapse passed). On PostgreSQL only a lapse (600 ms) frees them.
    const before = await crashMidProof(database, dialect === "sqlite" ? { leaseMs: 600_000 } : undefined);
    // Two proofs held open in the host, and up to two more claimed to fetch their inputs ahead.
    expect(before.byStatus.proving).toBeGreaterThanOrEqual(2);
    expect(before.byStatus.proving).toBeLessThanOrEqual(4);
    expect(before.byStatus.blocked).toBe(1);

    const host = new TestHost();
    const release = host.hold();
    started = await startService({ database, host, scheduling: { leaseMs: 600 } });
    const { service } = started;
    // The retried task keeps its count across the crash, and the crash counts as an interruption.
    const retried = (await service.list({ kind: "leaf" })).tasks[0]!;
    expect(retried.taskId.context).toEqual(leaf(9));
    expect(retried.retryCount).toBe(2);
    await expect
      .poll(async () => (await service.status(retried.id)).interruptions, { timeout: 5_000 })
      .toBe(1);
    release();

    const top = (await service.list({ kind: "node" })).tasks[0]!;
    await service.wait(top.id, { timeoutMs: 10_000 });
    const { tasks } = await service.list();
    await Promise.all(tasks.map((t) => service.wait(t.id, { timeoutMs: 10_000 })));
    expect((await service.summary()).byStatus.completed).toBe(10);
    expect(host.proveCalls).toHaveLength(10);

    // Submitting everything again changes nothing: no task runs twice.
    for (let i = 1; i <= 9; i++) await service.submit(leaf(i), "native");
    await service.submit(node(100), "native");
    expect(host.proveCalls).toHaveLength(10);
    await service.close();

    const opened = await openDatabase(database);
    const receipts = await opened.db
      .selectFrom("receipts")
      .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.count<number>("task_seq").distinct().as("d")])
      .executeTakeFirstOrThrow();
    await opened.close();
    expect({ n: Number(receipts.n), d: Number(receipts.d) }).toEqual({ n: 10, d: 10 });
  });

  it("releases work at a graceful close, uncounted, and the next start finishes it", async () => {
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database });
    started.host.hold();
    for (let i = 0; i < 5; i++) await started.service.submit(leaf(i), "native");
    while (started.host.active < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    const first = started;
    await first.service.close();
    expect(first.host.aborted).toBe(2);
    // Every claim is released, the two proving and any whose input was being fetched ahead.
    const claimed = first.transitions.filter((t) => t.to === "proving").length;
    expect(claimed).toBeGreaterThanOrEqual(2);
    expect(first.transitions.filter((t) => t.from === "proving" && t.to === "queued")).toHaveLength(claimed);

    started = await startService({ database });
    const { service } = started;
    const { tasks } = await service.list();
    const done = await Promise.all(tasks.map((t) => service.wait(t.id, { timeoutMs: 10_000 })));
    expect(done.every((t) => t.status === "completed" && t.interruptions === 0)).toBe(true);
    const released = await service.history(tasks[0]!.id);
    expect(released.map((a) => a.outcome)).toEqual(["released", "proven"]);
  });

  it("closes without waiting for a fetch deaf to its signal, and the next start fetches again", async () => {
    const database = await databaseFor(dialect, { file: true });
    started = await startService({ database });
    started.script.fetching = new Promise(() => {});
    const { task } = await started.service.submit(leaf(1), "native");
    while (started.script.fetched.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await started.service.close();

    started = await startService({ database });
    const done = await started.service.wait(task.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: "completed", interruptions: 0 });
    expect(started.script.fetched).toEqual(["leaf:1"]);
  });
});

describe.skipIf(!DIALECTS.includes("postgres"))("restart of a killed instance on PostgreSQL", () => {
  it("takes over at once the leases and the row of the process the app knows is dead, not once they lapse", async () => {
    const database = await databaseFor("postgres");
    // A lease far longer than the test: only the takeover of a known-dead instance frees its tasks.
    const leaseMs = 600_000;
    const before = await crashMidProof(database, { instanceId: "killed", leaseMs });
    expect(before.byStatus.proving).toBeGreaterThanOrEqual(2);

    started = await startService({ database, scheduling: { leaseMs }, replacing: "killed" });
    const { service } = started;
    expect((await service.instances()).map((i) => i.id)).not.toContain("killed");
    const { tasks } = await service.list();
    const done = await Promise.all(tasks.map((t) => service.wait(t.id, { timeoutMs: 10_000 })));
    expect(done.every((t) => t.status === "completed")).toBe(true);
    // Its proofs in flight were interrupted once (counted, as after any crash) and proven here once.
    const retried = (await service.list({ kind: "leaf" })).tasks[0]!;
    expect(retried.taskId.context).toEqual(leaf(9));
    expect((await service.status(retried.id)).interruptions).toBe(1);
    expect(started.host.proveCalls).toHaveLength(10);
  });
});
