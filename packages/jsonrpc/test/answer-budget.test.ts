import { describe, expect, it } from "vitest";
import { AnswerBudget, JsonRpcClient, JsonRpcTransientError } from "../src/index.js";
import { startRawServer } from "./helpers.js";

const signal = () => new AbortController().signal;

describe("AnswerBudget", () => {
  it("lets calls within the limit read at once, without a promise to wait on", () => {
    const budget = new AnswerBudget(100);
    const [a, b] = [budget.open(signal()), budget.open(signal())];
    expect(a.take(60)).toBeUndefined();
    expect(b.expect(40)).toBeUndefined();
    expect(b.take(40)).toBeUndefined(); // within what it declared
  });

  it("makes a call past the limit wait until another gives its share back, then in arrival order", async () => {
    const budget = new AnswerBudget(100);
    const [oldest, b, c] = [budget.open(signal()), budget.open(signal()), budget.open(signal())];
    oldest.take(10);
    b.take(50);
    const order: string[] = [];
    const cWaits = c.take(60)?.then(() => order.push("c"));
    const bWaits = b.take(10)?.then(() => order.push("b")); // behind c, though it would fit
    expect(cWaits).toBeInstanceOf(Promise);
    expect(bWaits).toBeInstanceOf(Promise);
    oldest.close(); // b is the oldest now: it never waits, and c fits beside it
    await Promise.all([cWaits, bWaits]);
    expect(order).toEqual(["b", "c"]);
  });

  it("never makes the oldest call wait: two calls each holding part of the budget cannot wait on each other", async () => {
    const budget = new AnswerBudget(100);
    const [oldest, b] = [budget.open(signal()), budget.open(signal())];
    oldest.take(50);
    b.take(50);
    const bWaits = b.take(50);
    expect(oldest.take(200)).toBeUndefined();
    oldest.close();
    await bWaits;
  });

  it("gives a waiting call up when its signal aborts, with the signal's reason, and lets the next on", async () => {
    const budget = new AnswerBudget(100);
    const controller = new AbortController();
    const [oldest, b, c, d] = [signal(), signal(), controller.signal, signal()].map((s) => budget.open(s));
    oldest?.take(10);
    b?.take(50);
    const cWaits = c?.take(60);
    const dWaits = d?.take(10); // it would fit, but c came first
    expect(dWaits).toBeInstanceOf(Promise);
    controller.abort(new Error("given up"));
    await expect(cWaits).rejects.toThrow("given up");
    await dWaits;
    // A call given up before it would wait does not wait.
    await expect(budget.open(controller.signal).take(100)).rejects.toThrow("given up");
  });
});

describe("a client with an answer budget", () => {
  it("fails a call that waits for the budget past its timeout as timed out, and reads it once there is room", async () => {
    const answer = JSON.stringify({ jsonrpc: "2.0", id: 1, result: "x".repeat(1_000) });
    let stalled: (() => void) | undefined;
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
      if (stalled) return res.end(answer);
      // The first call holds its share: half its answer comes, the rest when the test says.
      res.write(answer.slice(0, 500));
      stalled = () => res.end(answer.slice(500));
    });
    const budget = new AnswerBudget(500);
    const client = () => new JsonRpcClient({ url, answerBudget: budget, retry: { attempts: 1 } });
    const first = client().call("big");
    // Waited for, not timed: poll's default second is short for a first request on a loaded machine.
    await expect.poll(() => stalled, { timeout: 20_000 }).toBeDefined();
    const error = await client()
      .call("big", undefined, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcTransientError);
    expect(error).toMatchObject({ failure: "timeout", message: expect.stringMatching(/within 200 ms$/) });
    const second = client().call("big");
    stalled?.();
    expect(await first).toHaveLength(1_000);
    expect(await second).toHaveLength(1_000);
  });
});
