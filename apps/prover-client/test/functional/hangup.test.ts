/**
 * `paas start` in a terminal that goes away (an ssh session dropped, a terminal window closed) gets
 * SIGHUP: it stops as at Ctrl-C, handing its work back, rather than dying with its leases held.
 */
import { until } from "@paas/testing";
import { expect, it } from "vitest";
import {
  CLI_TEST_TIMEOUT_MS,
  logLinesOf,
  spawnProverClient,
  stopChild,
  tempDatadir,
} from "../../scenarios/app.js";

/** Where no node answers: nothing here proves. */
const NO_NODE = "http://127.0.0.1:9/";

it("stops cleanly on SIGHUP", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  const data = tempDatadir();
  const child = spawnProverClient(data.dir, NO_NODE, ['log_level="info"'], ["ignore", "pipe", "pipe"]);
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  try {
    await until(
      () => logLinesOf(stdout).some((line) => line.msg === "prover client started"),
      "the client started",
      CLI_TEST_TIMEOUT_MS - 30_000,
    );
    child.kill("SIGHUP");
    expect(await exited).toEqual({ code: 0, signal: null });
    const messages = logLinesOf(stdout).map((line) => line.msg);
    expect(messages).toContain("stopping");
    expect(messages.at(-1)).toBe("stopped");
  } finally {
    await stopChild(child, "SIGKILL");
    data.remove();
  }
});
