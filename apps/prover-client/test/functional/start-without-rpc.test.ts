/**
 * `paas start` with the RPC server off (`rpc.enabled = false`) and no progress view, under a
 * service manager: nothing it serves keeps the process running, and it still runs until it is
 * stopped, then stops cleanly.
 */
import type { ChildProcess } from "node:child_process";
import type { Devnet } from "@paas/devnet";
import { until } from "@paas/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { logLinesOf, spawnProverClient, stopChild, tempDatadir } from "../../scenarios/app.js";
import { startTrustingDevnet } from "../../scenarios/devnet.js";

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let child: ChildProcess | undefined;
let again: ChildProcess | undefined;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
});

afterAll(async () => {
  if (child) await stopChild(child, "SIGKILL");
  if (again) await stopChild(again, "SIGKILL");
  await devnet?.close();
  data?.remove();
});

it("runs until it is stopped when it serves nothing, then stops cleanly", { timeout: 90_000 }, async () => {
  // When each CL request reached the devnet.
  const clRequests: number[] = [];
  const decide = devnet.faults.decide.bind(devnet.faults);
  devnet.faults.decide = (namespaces) => {
    if (namespaces.has("cl")) clRequests.push(Date.now());
    return decide(namespaces);
  };
  const app = spawnProverClient(
    data.dir,
    devnet.url,
    ["rpc.enabled=false", 'log_level="info"', "plugin_settings.checkpoint.interval_ms=3000"],
    ["ignore", "pipe", "pipe"],
  );
  child = app;
  let stdout = "";
  let stderr = "";
  app.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  app.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    app.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const whileRunning = (condition: () => boolean, what: string) =>
    until(() => {
      if (exitCode !== undefined) throw new Error(`paas start exited (${exitCode}):\n${stderr}\n${stdout}`);
      return condition();
    }, what);

  await whileRunning(
    () => logLinesOf(stdout).some((line) => line.msg === "prover client started"),
    "the client started",
  );
  // With no blocks there is nothing to prove: between two polls of its checkpoint runner the client
  // is idle. A poll seconds after the one before is an idle stretch it has lived through.
  await whileRunning(
    () => clRequests.some((at, i) => i > 0 && at - clRequests[i - 1]! >= 2_000),
    "a poll of the CL after an idle stretch",
  );

  app.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(
    logLinesOf(stdout)
      .map((line) => line.msg)
      .slice(-2),
  ).toEqual(["stopping", "stopped"]);
});

it("stops at once on a second signal of another kind (Ctrl-C, then kill)", { timeout: 90_000 }, async () => {
  again = spawnProverClient(
    data.dir,
    devnet.url,
    ["rpc.enabled=false", 'log_level="info"'],
    ["ignore", "pipe", "pipe"],
  );
  let stdout = "";
  again.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => again?.once("exit", resolve));
  await until(
    () => logLinesOf(stdout).some((line) => line.msg === "prover client started"),
    "the client started",
  );
  // Both before the stop the first one began can have ended.
  again.kill("SIGINT");
  again.kill("SIGTERM");
  expect(await exited).toBe(130);
});
