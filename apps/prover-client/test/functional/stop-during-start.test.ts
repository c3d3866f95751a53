/**
 * `paas start` told to stop while it starts (a container stopped seconds after its start, a unit
 * restarted twice in a row) stops as it would once up: it said nothing and died by the signal
 * (exit 143), and where node is a container's first process, as in the image, it ignored the
 * signal until the runtime's SIGKILL.
 */
import { spawn } from "node:child_process";
import { until } from "@paas/testing";
import { expect, it } from "vitest";
import {
  BIN,
  CLI_TEST_TIMEOUT_MS,
  childEnv,
  logLinesOf,
  stopChild,
  tempDatadir,
} from "../../scenarios/app.js";

it("stops cleanly on SIGTERM while it starts", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const data = tempDatadir();
  // The embedded devnet: its start takes a second or more, the signal lands in it.
  const child = spawn(
    process.execPath,
    ["--conditions=@paas/source", BIN, "start", "--datadir", data.dir, "--port", "0", "--no-progress"],
    { stdio: ["ignore", "pipe", "pipe"], env: childEnv() },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  try {
    await until(
      () => logLinesOf(stdout).some((line) => line.msg.startsWith("starting the embedded devnet")),
      "the devnet starting",
      CLI_TEST_TIMEOUT_MS - 30_000,
    );
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    const messages = logLinesOf(stdout).map((line) => line.msg);
    expect(messages.filter((message) => message === "stopping")).toHaveLength(1);
    expect(messages.at(-1)).toBe("stopped");
  } finally {
    await stopChild(child, "SIGKILL");
    data.remove();
  }
});
