/**
 * The checkpoint runner keeps up with a live devnet while the CL's RPC goes away for several
 * seconds and comes back: nothing is skipped, nothing is accepted twice.
 */
import type { Devnet } from "@paas/devnet";
import { until } from "@paas/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { captureLogger, startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir, { blockTimeMs: 150 });
});

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

it("proves checkpoints in order through a CL outage", { timeout: 120_000 }, async () => {
  const accepted = acceptedCheckpoints(devnet);
  const log = captureLogger();
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.runner=true",
      "plugin_settings.checkpoint.interval_ms=200",
    ]),
    log.logger,
  );
  await until(() => accepted.has(0), "checkpoint 0 accepted");

  const runnerErrors = async () =>
    ((await app.service.pluginReports()).checkpoint as { runnerErrors: number }).runnerErrors;
  const errorsBefore = await runnerErrors();
  devnet.faults.pauseCl();
  // Let a call already past the CL's front finish, then nothing can be accepted while it is away.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = accepted.size;
  // Waited for, not assumed after a fixed wait: on a loaded machine a tick in flight when the CL
  // went away has outlasted 4 s, and the outage was over before the runner had met it.
  await until(async () => (await runnerErrors()) > errorsBefore, "a runner tick to fail on the outage");
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(accepted.size).toBe(before);
  devnet.faults.resumeCl();

  await until(() => [0, 1, 2, 3].every((i) => accepted.has(i)), "checkpoints 0..3 accepted", 90_000);
  for (const [index, times] of accepted) expect({ index, times }).toEqual({ index, times: 1 });
  for (let i = 0; i <= 3; i++) expect(devnet.chain.getCheckpointStatus(i).status).toBe("proven");
  const failed = await app.service.list({ status: "permanent_failure" });
  expect(failed.tasks).toEqual([]);

  // The runner wrote through the app's logger, as a child naming its plugin: its submissions at
  // info, the outage at warn.
  const runnerLines = log.lines().filter((line) => line.plugin === "checkpoint");
  const submitted = runnerLines.filter((line) => line.msg === "checkpoint submitted");
  expect(submitted.map((line) => line.index)).toEqual(expect.arrayContaining([0, 1, 2, 3]));
  expect(submitted.every((line) => line.level === 30)).toBe(true);
  const outage = runnerLines.filter((line) => line.msg.startsWith("checkpoint runner tick failed"));
  expect(outage.length).toBeGreaterThanOrEqual(1);
  expect(outage.every((line) => line.level === 40)).toBe(true);
  // One instance: no step was taken from it, so no attempt's result was discarded as a lost lease
  // (a proof's publication claimed while the proof's own step wound down once said so).
  expect(log.lines().filter((line) => line.msg.startsWith("lease lost"))).toEqual([]);
});
