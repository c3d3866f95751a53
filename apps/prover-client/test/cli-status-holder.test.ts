/**
 * `paas status` of a task an instance works on names that instance and its lease: in a cluster,
 * the one proving it (or that stopped renewing: an expired lease, about to be taken over).
 */
import type { TaskRecord } from "@paas/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS, runCli } from "../scenarios/app.js";
import { stubProverRpc } from "../scenarios/stub-rpc.js";

const KEY = "0123456789abcdef0123456789abcdef";
let server: Awaited<ReturnType<typeof stubProverRpc>>;
let leaseExpiresAt = 0;

beforeAll(async () => {
  server = await stubProverRpc(() => {
    const now = Date.now();
    const task: TaskRecord & { attempts: [] } = {
      id: KEY,
      taskId: { context: { kind: "checkpoint", index: 3 }, backend: "native" },
      kind: "checkpoint",
      backend: "native",
      status: "proving",
      retryCount: 0,
      createdAt: now - 60_000,
      updatedAt: now - 5_000,
      attempt: 1,
      interruptions: 0,
      heldBy: { instance: "vm-4242-abcdef", since: now - 5_000, leaseExpiresAt: now + leaseExpiresAt },
      attempts: [],
    };
    return { result: task };
  });
});

afterAll(() => server.close());

it("names the instance that holds the task and when its lease expires", {
  timeout: CLI_TEST_TIMEOUT_MS,
}, async () => {
  leaseExpiresAt = 25_000;
  const held = await runCli(server.url, ["status", KEY]);
  expect(held.code).toBe(0);
  expect(held.stdout.split("\n")[2]).toBe("held by vm-4242-abcdef for 5s (lease expires in 25s)");
  leaseExpiresAt = -40_000;
  const lapsed = await runCli(server.url, ["status", KEY]);
  expect(lapsed.stdout.split("\n")[2]).toBe("held by vm-4242-abcdef for 5s (lease expired 40s ago)");
});
