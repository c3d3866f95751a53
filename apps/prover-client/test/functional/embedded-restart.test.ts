/**
 * `npm start` twice on one data directory: the embedded devnet keeps its chain in
 * `<datadir>/devnet`, so the restarted prover client sees the same checkpoints at once, the chain
 * goes on from where it was, and checkpoints accepted before the restart are not proven again.
 */
import type { TaskRecord } from "@paas/core";
import { afterAll, expect, it } from "vitest";
import type { ProverApp } from "../../src/app/build-app.js";
import { loadConfig } from "../../src/config/load-config.js";
import { startApp, tempDatadir, until } from "../support/app.js";

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
    "devnet.block_time_ms=100",
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
  app = await startApp(config);
  await until(async () => ((await report(app!)).lastAccepted ?? -1) >= 1, "checkpoint 1 accepted", 90_000);
  const before = await report(app);
  const completedBefore = (await checkpointTasks(app)).filter((t) => t.status === "completed");
  await app.close();
  app = undefined;

  app = await startApp(config);
  // At once: the devnet's CL knows the checkpoints it had, and the proofs it accepted.
  const after = await report(app);
  expect(after.latestCheckpoint).toBeGreaterThanOrEqual(before.latestCheckpoint!);
  expect(after.nextUnproven ?? Number.POSITIVE_INFINITY).toBeGreaterThan(before.lastAccepted!);

  // The chain goes on, and new checkpoints are proven on top of the old ones.
  const target = after.latestCheckpoint! + 1;
  await until(
    async () => ((await report(app!)).lastAccepted ?? -1) >= target,
    `checkpoint ${target} accepted`,
    90_000,
  );
  const tasksAfter = new Map((await checkpointTasks(app)).map((t) => [t.id, t]));
  for (const task of completedBefore) {
    // The same record, untouched: not resubmitted, not proven again, not published again.
    expect(tasksAfter.get(task.id)).toMatchObject({ status: "completed", updatedAt: task.updatedAt });
  }
});
