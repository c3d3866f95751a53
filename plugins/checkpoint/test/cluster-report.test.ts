/**
 * The report of an instance that does not run the checkpoint runner: two instances on one
 * PostgreSQL database, the first elected to run it. A checkpoint an operator cancelled holds the CL
 * back; the runner's instance says so, and so must the other's, whose dashboard and progress view
 * show its report.
 */
import { LOGGER } from "@paas/core";
import { createTestDatabase } from "@paas/core/testing";
import { CHECKPOINT, ClClient } from "@paas/rollup";
import { createPluginHarness, type PluginHarness, until } from "@paas/testing";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import type { CheckpointReport } from "../src/facts.js";
import { CheckpointPlugin } from "../src/index.js";
import { clStfStandIn, memoryLogger, TestCl } from "../src/testing.js";

const postgres = inject("postgres");

/** Instances on one PostgreSQL database, with the runner on; each `claim`s what it is given. */
async function cluster(cl: TestCl) {
  const { location } = await createTestDatabase("postgres", postgres);
  return (claim?: { kinds: string[] }): Promise<PluginHarness> =>
    createPluginHarness({
      plugins: [CheckpointPlugin],
      standIns: [clStfStandIn(cl)],
      overrides: [
        { token: ClClient, useValue: cl.client() },
        { token: LOGGER, useValue: memoryLogger() },
      ],
      pluginSettings: { checkpoint: { interval_ms: 20 } },
      database: location,
      ...(claim && { claim }),
      workers: 1,
    });
}

const report = async (harness: PluginHarness) =>
  (await harness.service.pluginReports()).checkpoint as CheckpointReport;

describe.runIf(postgres.url !== undefined)(
  "the checkpoint report on an instance that does not run the runner",
  () => {
    it("says the runner is elsewhere and shows what holds the CL back", async () => {
      const cl = await TestCl.start({ slotsPerEpoch: 2, epochs: 2 });
      // Neither proves anything (`claim.kinds`): the runner's checkpoint waits until it is cancelled.
      const instance = await cluster(cl);
      const runs = await instance({ kinds: [] });
      onTestFinished(() => cl.close());
      onTestFinished(() => runs.close());
      await until(async () => (await report(runs)).runner === "on", "the first instance elected");
      const other = await instance({ kinds: [] });
      onTestFinished(() => other.close());

      const zero = { context: { kind: CHECKPOINT.kind, index: 0 }, backend: runs.backend };
      await until(
        async () => (await other.service.list({ kind: CHECKPOINT.kind })).tasks.length > 0,
        "submitted",
      );
      await other.service.cancel(zero);
      await until(async () => (await report(runs)).failed.includes(0), "the runner finds checkpoint 0 stuck");

      expect(await report(other)).toMatchObject({
        runner: "elsewhere",
        failed: [0],
        stuck: [{ index: 0, status: "cancelled", error: "cancelled by an operator" }],
        attention: expect.stringMatching(
          /^checkpoint 0 \(cancelled\) holds the CL back; the checkpoint runner runs on another instance/,
        ),
      });
    });

    it("shows the last checkpoint accepted, which another instance proved and published", async () => {
      const cl = await TestCl.start({ slotsPerEpoch: 2, epochs: 2 });
      const instance = await cluster(cl);
      const runs = await instance();
      cl.trustedKey = runs.publicKey;
      onTestFinished(() => cl.close());
      onTestFinished(() => runs.close());
      await until(async () => (await report(runs)).runner === "on", "the first instance elected");
      // It proves nothing and publishes nothing: what it reports accepted, it read.
      const other = await instance({ kinds: [] });
      onTestFinished(() => other.close());

      // Published, then completed: the completion is what the task database keeps.
      const status = async (index: number) =>
        (await runs.service.status({ context: { kind: CHECKPOINT.kind, index }, backend: runs.backend }))
          .status;
      await until(
        async () => cl.proven.has(1) && (await status(1)) === "completed",
        "checkpoint 1 completed",
      );
      const seen = await report(other);
      expect(seen.lastAccepted).toBe(1);
      expect(seen).toMatchObject({ runner: "elsewhere", failed: [], runnerErrors: null, attention: null });
    });
  },
);
