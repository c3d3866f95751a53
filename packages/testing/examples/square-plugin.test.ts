/**
 * A tiny plugin tested in isolation: the real scheduler, a real native host and a stub node.
 * This file is the worked example in @paas/testing's README.
 */
import { createPluginHarness, createStubRpc, type PluginHarness, type StubRpc } from "@paas/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { NumberNode, SquarePlugin } from "./square-plugin/plugin.js";

let node: StubRpc;
let harness: PluginHarness;

beforeEach(async () => {
  node = await createStubRpc({ num_get: (params) => (params as number[])[0]! + 10 });
  harness = await createPluginHarness({
    plugins: [SquarePlugin],
    overrides: [{ token: NumberNode, useValue: new NumberNode({ url: node.url, timeoutMs: 500 }) }],
  });
});

afterEach(async () => {
  await harness.close();
  await node.close();
});

it("proves the square of the number the node serves", async () => {
  const { record, output, receipt } = await harness.prove({ kind: "square", n: 3 });
  expect(record.status).toBe("completed");
  expect(output).toEqual({ n: 3, square: 169 });
  expect(receipt?.metadata.zkvm).toBe("native");
});

it("retries when the node fails — within the call, then as a task — and proves once it answers", async () => {
  // The client tries a call four times; a fifth failure fails the attempt, and the task is retried.
  node.failNext({ mode: "http500" }, { times: 5 });
  const { record, output } = await harness.prove({ kind: "square", n: 4 });
  expect(output).toEqual({ n: 4, square: 196 });
  expect(record.status).toBe("completed");
  expect(harness.statusesOf({ kind: "square", n: 4 })).toEqual([
    "queued",
    "proving",
    "transient_failure",
    "queued",
    "proving",
    "completed",
  ]);
  expect(node.callsOf("num_get").map((c) => c.outcome)).toEqual([...Array(5).fill("http500"), "ok"]);
});
