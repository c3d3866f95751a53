/**
 * `paas start` told to stop while it starts (a container stopped seconds after its start, a unit
 * restarted twice in a row) stops at once: it said nothing and died by the signal (exit 143), and
 * where node is a container's first process, as in the image, it ignored the signal until the
 * runtime's SIGKILL. Then it waited for the stage it was in: a PostgreSQL that accepts and never
 * answers held the stop for the 10 s connect timeout, and the start then failed (exit 1) as if the
 * database were the fault.
 */
import { spawn } from "node:child_process";
import net, { type AddressInfo, type Socket } from "node:net";
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

/** Runs `paas start` with `args`, sends SIGTERM once a log line starts with `stage`: how it exited, in how long. */
async function stopDuring(stage: string, args: readonly string[]) {
  const data = tempDatadir();
  const child = spawn(
    process.execPath,
    [
      "--conditions=@paas/source",
      BIN,
      "start",
      "--datadir",
      data.dir,
      "--port",
      "0",
      "--no-progress",
      ...args,
    ],
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
      () => logLinesOf(stdout).some((line) => line.msg.startsWith(stage)),
      stage,
      CLI_TEST_TIMEOUT_MS - 30_000,
    );
    const signalled = Date.now();
    child.kill("SIGTERM");
    const exit = await exited;
    return { exit, ms: Date.now() - signalled, messages: logLinesOf(stdout).map((line) => line.msg) };
  } finally {
    await stopChild(child, "SIGKILL");
    data.remove();
  }
}

it("stops cleanly on SIGTERM while it starts", { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
  // The embedded devnet: its start takes a second or more, the signal lands in it.
  const { exit, messages } = await stopDuring("starting the embedded devnet", []);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(messages.filter((message) => message === "stopping")).toHaveLength(1);
  expect(messages.at(-1)).toBe("stopped before the start finished");
});

it("gives up at once on a database that never answers when told to stop", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  // Accepts connections and never says a word, as a host whose PostgreSQL hangs.
  const held: Socket[] = [];
  const silent = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  try {
    const { exit, ms, messages } = await stopDuring("opening the task database", [
      ...["--database-url", `postgres://paas:paas@127.0.0.1:${port}/paas`],
      ...["--cl-url", "http://127.0.0.1:9/", "--el-url", "http://127.0.0.1:9/"],
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    // Well within the connect timeout (10 s) it waited out before.
    expect(ms).toBeLessThan(5_000);
    expect(messages.filter((message) => message === "stopping")).toHaveLength(1);
    expect(messages.at(-1)).toBe("stopped before the start finished");
    expect(messages).not.toContain("could not start");
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
});
