import type { TaskTransition } from "@paas/core";
import { expect, it } from "vitest";
import { taskEvent } from "../src/http/task-event.js";

const transition: TaskTransition = {
  id: "00112233445566778899aabbccddeeff",
  kind: "checkpoint",
  backend: "native",
  context: { kind: "checkpoint", epoch: 3 },
  from: "pending",
  to: "transient_failure",
  at: 1_000,
  retryCount: 0,
  error: "epoch 3 is not over yet",
};

it("tells a live client a task waiting for the chain from one whose step failed", () => {
  expect(taskEvent({ ...transition, waiting: true })).toMatchObject({
    status: "transient_failure",
    waiting: true,
  });
  expect(taskEvent(transition)).not.toHaveProperty("waiting");
});
