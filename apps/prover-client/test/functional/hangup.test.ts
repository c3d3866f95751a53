/**
 * `paas start` in a terminal that goes away (an ssh session dropped, a terminal window closed) gets
 * SIGHUP: it stops as at Ctrl-C, handing its work back, rather than dying with its leases held.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { until } from "@paas/testing";
import { expect, it } from "vitest";
import {
  BIN,
  CLI_TEST_TIMEOUT_MS,
  childEnv,
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

it("stops cleanly when its terminal goes away, though nothing can be written to it any more", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  const data = tempDatadir();
  const logFile = path.join(data.dir, "prover-client.log");
  const logLines = () => (existsSync(logFile) ? logLinesOf(readFileSync(logFile, "utf8")) : []);
  const start = [process.execPath, "--conditions=@paas/source", BIN, "start", "--datadir", data.dir];
  start.push("--cl-url", NO_NODE, "--el-url", NO_NODE, "--port", "0");
  const command = start.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  // `script` runs the client on a terminal of its own; killed, that terminal hangs up: the client
  // gets SIGHUP, and each write to the terminal after fails (EIO). Its log goes to the data
  // directory (the progress view is on, on a terminal), where "stopped" says it stopped.
  const terminal = spawn("script", ["-qfec", command, "/dev/null"], {
    stdio: ["pipe", "pipe", "ignore"],
    env: childEnv(),
  });
  let screen = "";
  terminal.stdout!.on("data", (chunk: Buffer) => {
    screen += chunk.toString();
  });
  try {
    await until(() => screen.includes("Ctrl-C to stop"), "the client started", CLI_TEST_TIMEOUT_MS - 60_000);
    await stopChild(terminal, "SIGKILL");
    await until(() => logLines().some((line) => line.msg === "stopped"), "the client stopped", 30_000);
    // And it ended: "stopped" alone passed for a client that said so and ran on for good.
    const pid = logLines()[0]?.pid as number;
    await until(() => ended(pid), "the client's process to end", 10_000);
  } finally {
    await stopChild(terminal, "SIGKILL");
    const pid = logLines()[0]?.pid;
    if (typeof pid === "number") {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // It has ended.
      }
    }
    data.remove();
  }
});

/** Whether the process `pid` ended: gone, or a zombie its new parent has not reaped yet. */
function ended(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}
