import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { leaf, node, type StartedService, startService } from "./fixtures/start-service.js";
import { TestHost } from "./fixtures/test-host.js";

let started: StartedService | undefined;
let dir: string | undefined;
afterEach(async () => {
  await started?.service.close();
  started = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the crash child, waits until it has work in flight, and kills it with SIGKILL. */
async function crashMidProof(file: string): Promise<{ byStatus: Record<string, number> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "fixtures/crash-child.ts"), file],
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

describe("restart recovery", () => {
  it("resumes every task after the process is killed mid-proof, keeping counts, storing each proof once", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "paas-restart-"));
    const file = path.join(dir, "paas.sqlite");
    const before = await crashMidProof(file);
    expect(before.byStatus.proving).toBe(2);
    expect(before.byStatus.blocked).toBe(1);

    const host = new TestHost();
    const release = host.hold();
    started = await startService({ path: file, host });
    const { service } = started;
    // The retried task keeps its count across the crash.
    const retried = (await service.list({ kind: "leaf" })).tasks[0]!;
    expect(retried.taskId.context).toEqual(leaf(9));
    expect(retried.retryCount).toBe(2);
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

    const sqlite = new SqliteDatabase(file, { readonly: true });
    const receipts = sqlite.prepare("select count(*) as n, count(distinct task_id) as d from receipts").get();
    sqlite.close();
    expect(receipts).toEqual({ n: 10, d: 10 });
  });

  it("resumes work interrupted by a graceful close on the same database file", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "paas-restart-"));
    const file = path.join(dir, "paas.sqlite");
    started = await startService({ path: file });
    started.host.hold();
    for (let i = 0; i < 5; i++) await started.service.submit(leaf(i), "native");
    while (started.host.active < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    await started.service.close();
    expect(started.host.aborted).toBe(2);

    started = await startService({ path: file });
    const { service, transitions } = started;
    const { tasks } = await service.list();
    const done = await Promise.all(tasks.map((t) => service.wait(t.id, { timeoutMs: 10_000 })));
    expect(done.every((t) => t.status === "completed")).toBe(true);
    expect(transitions.filter((t) => t.from === "proving" && t.to === "queued")).toHaveLength(2);
  });
});
