/**
 * `npm start` twice on one data directory: the embedded devnet keeps its chain in
 * `<datadir>/devnet`, so the restarted prover client sees the same checkpoints at once, the chain
 * goes on from where it was, and checkpoints accepted before the restart are not proven again.
 */

import { statSync } from "node:fs";
import path from "node:path";
import type { TaskRecord } from "@paas/core";
import { until } from "@paas/testing";
import { afterAll, expect, it } from "vitest";
import { startApp, tempDatadir } from "../../scenarios/app.js";
import type { ProverApp } from "../../src/app/build-app.js";
import { loadConfig } from "../../src/config/load-config.js";

const data = tempDatadir();
let app: ProverApp | undefined;

afterAll(async () => {
  await app?.close();
  data.remove();
});

const config = loadConfig({
  overrides: [
    `datadir="${data.dir}"`,
    "rpc.port=0",
    "progress.enabled=false",
    "devnet.block_time_ms=500",
    "devnet.slots_per_epoch=2",
    "plugin_settings.checkpoint.interval_ms=100",
    "retry.base_delay_ms=100",
  ],
});

type Report = { latestCheckpoint: number | null; nextUnproven: number | null; lastAccepted: number | null };
const report = async (running: ProverApp) => (await running.service.pluginReports()).checkpoint as Report;
const checkpointTasks = async (running: ProverApp): Promise<TaskRecord[]> =>
  (await running.service.list({ kind: "checkpoint", limit: 1000 })).tasks as TaskRecord[];

it("continues the embedded devnet's chain after a restart, proving nothing twice", {
  timeout: 120_000,
}, async () => {
  const stages: string[] = [];
  app = await startApp(config, undefined, { onStage: (message) => stages.push(message) });
  // What `paas start` prints while it starts, one line per stage, instead of seconds of nothing.
  expect(stages).toEqual([
    expect.stringMatching(/^loading plugins: @paas\/plugin-evm-ee-stf, /),
    // The database first: one in use by another instance is refused before a devnet starts.
    `opening the task database: SQLite ${path.join(data.dir, "paas.sqlite")}`,
    expect.stringMatching(/^starting the embedded devnet/),
    expect.stringMatching(/^embedded devnet at http:\/\/127\.0\.0\.1:\d+\//),
    "starting the prover service",
  ]);
  // The devnet's key is in its directory: whoever else may list or read it may not (its README's 0700).
  expect(statSync(path.join(data.dir, "devnet")).mode & 0o777).toBe(0o700);
  // A second instance on the same data directory is refused before it starts a devnet of its own
  // on the chain's file.
  const second: string[] = [];
  await expect(
    startApp(config, undefined, { onStage: (message) => second.push(message) }),
  ).rejects.toMatchObject({
    code: "DATABASE_IN_USE",
  });
  expect(second.filter((message) => message.includes("devnet"))).toEqual([]);
  // Checkpoints may be accepted out of order: wait for the CL to hold proofs of 0 and 1 both.
  // No unproven checkpoint means all up to the latest are proven: the first unproven is the next
  // one. (Not infinity: a checkpoint made between two reports would then look like a step back.)
  const unprovenFrom = (r: Report) => r.nextUnproven ?? (r.latestCheckpoint ?? -1) + 1;
  const polled = (r: Report) => r.latestCheckpoint !== null;
  await until(
    async () => {
      const r = await report(app!);
      return polled(r) && unprovenFrom(r) >= 2;
    },
    "checkpoints 0 and 1 accepted",
    90_000,
  );
  const before = await report(app);
  const completedBefore = (await checkpointTasks(app)).filter((t) => t.status === "completed");
  await app.close();
  app = undefined;

  app = await startApp(config);
  // At its first answer, the devnet's CL has the checkpoints it had and the proofs it accepted (a
  // new chain would list checkpoint 0 unproven).
  await until(async () => polled(await report(app!)), "the CL's first answer", 30_000);
  const after = await report(app);
  expect(after.latestCheckpoint).toBeGreaterThanOrEqual(before.latestCheckpoint!);
  expect(unprovenFrom(after)).toBeGreaterThanOrEqual(unprovenFrom(before));

  // The chain goes on, and the checkpoint after the last one proven before is proven on top.
  await until(
    async () => ((await report(app!)).latestCheckpoint ?? -1) > after.latestCheckpoint!,
    "a new checkpoint on the restarted devnet",
    30_000,
  );
  const next = Math.max(...completedBefore.map((t) => Number(t.taskId.context.index))) + 1;
  await until(
    async () => ((await report(app!)).lastAccepted ?? -1) >= next,
    `checkpoint ${next} accepted`,
    90_000,
  );
  const tasksAfter = new Map((await checkpointTasks(app)).map((t) => [t.id, t]));
  for (const task of completedBefore) {
    // The same record, untouched: not resubmitted, not proven again, not published again.
    expect(tasksAfter.get(task.id)).toMatchObject({ status: "completed", updatedAt: task.updatedAt });
  }
});
