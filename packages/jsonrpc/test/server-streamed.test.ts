import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineMethod, type MethodRegistry, StreamedResult } from "../src/index.js";
import { rpc, startServer } from "./helpers.js";

/** A JSON array of `count` numbers as one piece per number, noting what happened while it was produced. */
function numbers(count: number, seen: { produced: number; turnedBeforeLast?: boolean }): Iterable<string> {
  return (function* () {
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    yield "[";
    for (let n = 0; n < count; n += 1) {
      seen.produced += 1;
      if (n === count - 1) seen.turnedBeforeLast = turned;
      yield n === 0 ? "0" : `,${n}`;
    }
    yield "]";
  })();
}

function methods(count: number, seen: { produced: number; turnedBeforeLast?: boolean }): MethodRegistry {
  return {
    big: defineMethod({ params: z.tuple([]), handler: () => new StreamedResult(numbers(count, seen)) }),
    ping: defineMethod({ params: z.tuple([]), handler: () => "pong" }),
  };
}

const call = (method: string, id: number) => ({ jsonrpc: "2.0", id, method });

describe("JSON-RPC server: streamed results", () => {
  it("answers a streamed result as one response, letting the event loop turn between pieces", async () => {
    const seen = { produced: 0 } as { produced: number; turnedBeforeLast?: boolean };
    const { url } = await startServer({ methods: methods(500, seen) });
    const answer = (await rpc(url, call("big", 7))) as { id: number; result: number[] };
    expect(answer).toEqual({ jsonrpc: "2.0", id: 7, result: Array.from({ length: 500 }, (_, n) => n) });
    // Produced in one go, no other callback could have run before the last piece.
    expect(seen.turnedBeforeLast).toBe(true);
  });

  it("joins a streamed result into its batch's answer", async () => {
    const seen = { produced: 0 };
    const { url } = await startServer({ methods: methods(3, seen) });
    const answers = await rpc(url, [call("big", 1), call("ping", 2)]);
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, result: [0, 1, 2] },
      { jsonrpc: "2.0", id: 2, result: "pong" },
    ]);
  });

  it("stops producing when the client goes away mid-answer, and serves on", async () => {
    const seen = { produced: 0 };
    const total = 2_000_000;
    const { url } = await startServer({ methods: methods(total, seen) });
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (error) => {
        if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
      });
      req.end(JSON.stringify(call("big", 1)));
    });
    expect(await rpc(url, call("ping", 2))).toEqual({ jsonrpc: "2.0", id: 2, result: "pong" });
    const afterGone = seen.produced;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.produced).toBe(afterGone);
    expect(seen.produced).toBeLessThan(total);
  });
});
