/**
 * `paas status` of a task that waits for the chain (a block or checkpoint not produced yet) reads
 * as a wait, without a retry count: it is not failing, and uses up no retry. A task whose step
 * failed and is retried still reads as a failure with its retry count.
 */
import type { TaskAttempt, TaskRecord } from "@paas/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runCli } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const KEY = "0123456789abcdef0123456789abcdef";
let server: Awaited<ReturnType<typeof stubProverRpc>>;
/** The outcome of the task's last attempt, as the test sets it. */
let outcome = "waiting";

beforeAll(async () => {
  server = await stubProverRpc(() => {
    const now = Date.now();
    const error = "the CL does not have checkpoint 3 now (it is behind): the proof is published once it does";
    const attempt: TaskAttempt = {
      attempt: 2,
      phase: "publish",
      instance: "vm-4242-abcdef",
      startedAt: now - 6_000,
      endedAt: now - 5_000,
      outcome,
      error,
    };
    const task: TaskRecord & { attempts: TaskAttempt[] } = {
      id: KEY,
      taskId: { context: { kind: "checkpoint", index: 3 }, backend: "native" },
      kind: "checkpoint",
      backend: "native",
      status: "transient_failure",
      phase: "publish",
      retryCount: 2,
      nextAttemptAt: now + 25_000,
      error,
      // As the server answers: the record says it waits, and so does its last attempt.
      ...(outcome === "waiting" && { waiting: true as const }),
      createdAt: now - 60_000,
      updatedAt: now - 5_000,
      attempt: 2,
      interruptions: 0,
      attempts: [attempt],
    };
    return { result: task };
  });
});

afterAll(() => server.close());

it("reads a wait for the chain as waiting, without a retry count", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  outcome = "waiting";
  const waiting = await runCli(server.url, ["status", KEY]);
  expect(waiting.code).toBe(0);
  const line = waiting.stdout.split("\n")[1]!;
  expect(line).toContain("transient_failure (publish, waiting for the chain, next check in 25s)");
  expect(line).not.toContain("retry");
  expect(waiting.stdout.split("\n")[2]).toMatch(/^waiting for: the CL does not have checkpoint 3/);

  outcome = "transient_failure";
  const failing = await runCli(server.url, ["status", KEY]);
  expect(failing.stdout.split("\n")[1]).toContain("transient_failure (publish, retry 2, next in 25s)");
  expect(failing.stdout.split("\n")[2]).toMatch(/^error: the CL does not have checkpoint 3/);
});
