import { encodeValue } from "@paas/zkvm/program";
import { afterEach, describe, expect, it } from "vitest";
import { NumberNode, SquarePlugin } from "../examples/square-plugin/plugin.js";
import { createPluginHarness, createStubRpc, type PluginHarness, type StubRpc } from "../src/index.js";
import { TOTAL_OF, TotalPlugin } from "./fixtures/total-plugin.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
});

async function track<T extends { close(): Promise<void> }>(resource: Promise<T>): Promise<T> {
  const value = await resource;
  open.push(value);
  return value;
}

async function squareHarness(node: StubRpc, timeoutMs = 2_000): Promise<PluginHarness> {
  return track(
    createPluginHarness({
      plugins: [SquarePlugin],
      // One try per call: each node failure then shows as a failed attempt of the task.
      overrides: [
        { token: NumberNode, useValue: new NumberNode({ url: node.url, timeoutMs, retry: { attempts: 1 } }) },
      ],
    }),
  );
}

describe("createPluginHarness", () => {
  it("gives the plugin the collaborators the test overrides", async () => {
    const tens = await track(createStubRpc({ num_get: () => 10 }));
    const twenties = await track(createStubRpc({ num_get: () => 20 }));
    const a = await squareHarness(tens);
    const b = await squareHarness(twenties);
    expect((await a.prove({ kind: "square", n: 1 })).output).toEqual({ n: 1, square: 100 });
    expect((await b.prove({ kind: "square", n: 1 })).output).toEqual({ n: 1, square: 400 });
  });

  it("keeps harnesses apart: stores, keys and event logs are their own", async () => {
    const node = await track(createStubRpc({ num_get: () => 2 }));
    const a = await squareHarness(node);
    const b = await squareHarness(node);
    await a.prove({ kind: "square", n: 7 });
    expect((await a.service.summary()).total).toBe(1);
    expect((await b.service.summary()).total).toBe(0);
    expect(b.transitions).toEqual([]);
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(false);
  });

  it("turns each kind of node failure into a transient failure that is retried", async () => {
    const node = await track(createStubRpc({ num_get: () => 3 }));
    const harness = await squareHarness(node, 200);
    node.failNext({ mode: "timeout" }, { method: "num_get" });
    node.failNext({ mode: "http500" });
    node.failNext({ mode: "rpc-error", code: -32000, message: "node is syncing" });
    const { record, output } = await harness.prove({ kind: "square", n: 0 });
    expect(record.status).toBe("completed");
    expect(output).toEqual({ n: 0, square: 9 });
    expect(node.callsOf("num_get").map((c) => c.outcome)).toEqual(["timeout", "http500", "rpc-error", "ok"]);
    const retries = harness.statusesOf({ kind: "square", n: 0 }).filter((s) => s === "transient_failure");
    expect(retries).toHaveLength(3);
  });

  it("fails at once on an answer retrying cannot fix", async () => {
    const node = await track(createStubRpc({ num_get: () => "three" }));
    const harness = await squareHarness(node);
    const { record } = await harness.prove({ kind: "square", n: 0 });
    expect(record.status).toBe("permanent_failure");
    expect("error" in record && record.error).toMatch(/num_get\(0\) answered "three"/);
    expect(node.callsOf("num_get")).toHaveLength(1);
  });

  it("stands in for the proof types a plugin depends on, with receipts its guest verifies", async () => {
    const harness = await track(
      createPluginHarness({
        plugins: [TotalPlugin],
        overrides: [{ token: TOTAL_OF, useValue: 3 }],
        standIns: [
          {
            kind: "square",
            program: { name: "square", version: "1" },
            publicValues: (ctx) => encodeValue({ n: ctx.n, square: (ctx.n as number) ** 2 }),
          },
        ],
      }),
    );
    const { record, output } = await harness.prove({ kind: "total" });
    expect(record.status).toBe("completed");
    expect(output).toBe(0 + 1 + 4);
  });

  it("fails the dependent when a stood-in receipt is forged", async () => {
    const other = await track(
      createPluginHarness({ plugins: [], standIns: [] }).catch((e: Error) => ({ close: async () => {}, e })),
    );
    expect("e" in other && other.e.message).toMatch(/no proof plugins registered/);
    const harness = await track(
      createPluginHarness({
        plugins: [TotalPlugin],
        overrides: [{ token: TOTAL_OF, useValue: 1 }],
        standIns: [
          {
            kind: "square",
            // Receipts claiming to come from version 2 of the program: the guest expects version 1's id.
            program: { name: "square", version: "2" },
            publicValues: () => encodeValue({ n: 0, square: 1 }),
          },
        ],
      }),
    );
    const { record } = await harness.prove({ kind: "total" });
    expect(record.status).toBe("permanent_failure");
    expect("error" in record && record.error).toMatch(
      /readVerified.*receipt rejected: it proves program 0x[0-9a-f]{64}, expected/,
    );
  });

  it("says, when a wait times out, which task it waited for and its last status and error", async () => {
    const node = await track(createStubRpc({ num_get: () => 1 }));
    const harness = await squareHarness(node);
    node.failNext({ mode: "http500" }, { times: 1_000 });
    await expect(harness.prove({ kind: "square", n: 5 }, { timeoutMs: 300 })).rejects.toThrow(
      new RegExp(
        `timed out after 300 ms waiting for task ${harness.keyOf({ kind: "square", n: 5 })}: ` +
          "it is (queued|proving|transient_failure), last error: num_get: .*500",
      ),
    );
  });

  it("sees a status the task passed through between two looks", async () => {
    const node = await track(createStubRpc({ num_get: () => 1 }));
    // No backoff: the transient failure is requeued at once.
    const harness = await track(
      createPluginHarness({
        plugins: [SquarePlugin],
        overrides: [
          { token: NumberNode, useValue: new NumberNode({ url: node.url, retry: { attempts: 1 } }) },
        ],
        retry: { baseDelayMs: 0, maxDelayMs: 0 },
      }),
    );
    node.failNext({ mode: "http500" });
    const context = { kind: "square", n: 6 };
    await harness.prove(context);
    expect((await harness.waitForStatus(context, "transient_failure")).id).toBe(harness.keyOf(context));
  });

  it("leaves no servers or worker threads behind once closed", async () => {
    // A server closed by the last test's afterEach is listed until the next turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const node = await createStubRpc({ num_get: () => 1 });
    const harness = await squareHarness(node);
    open.pop();
    await harness.prove({ kind: "square", n: 1 });
    await harness.close();
    await node.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    expect(after.filter((r) => r !== "Timeout").sort()).toEqual(before.filter((r) => r !== "Timeout").sort());
  });
});
