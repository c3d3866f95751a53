import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineMethod, type MethodRegistry, StreamedResult } from "../src/index.js";
import { statusLinesAskedTwice } from "../src/testing/index.js";
import { post, rpc, startServer } from "./helpers.js";

/** What happened while a result's pieces were produced. */
interface Seen {
  produced: number;
  turnedBeforeLast?: boolean;
  /** Set once the pieces are no longer read: all of them, or the rest dropped. */
  stopped?: boolean;
}

/** A JSON array of `count` numbers as one piece per number. */
function numbers(count: number, seen: Seen): Iterable<string> {
  return (function* () {
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    try {
      yield "[";
      for (let n = 0; n < count; n += 1) {
        seen.produced += 1;
        if (n === count - 1) seen.turnedBeforeLast = turned;
        yield n === 0 ? "0" : `,${n}`;
      }
      yield "]";
    } finally {
      seen.stopped = true;
    }
  })();
}

function methods(count: number, seen: Seen): MethodRegistry {
  return {
    big: defineMethod({ params: z.tuple([]), handler: () => new StreamedResult(numbers(count, seen)) }),
    ping: defineMethod({ params: z.tuple([]), handler: () => "pong" }),
  };
}

const call = (method: string, id: number) => ({ jsonrpc: "2.0", id, method });

/** A result whose pieces fail part way, after the handler returned: the start of an array, then a throw. */
function failingPieces(): MethodRegistry["big"] {
  return defineMethod({
    params: z.tuple([]),
    handler: () =>
      new StreamedResult(
        (function* () {
          yield "[1";
          throw new Error("disk read failed at /srv/secret/receipts/7");
        })(),
      ),
  });
}

describe("JSON-RPC server: streamed results", () => {
  it("answers a streamed result as one response, letting the event loop turn between pieces", async () => {
    const seen: Seen = { produced: 0 };
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
    const seen: Seen = { produced: 0 };
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
    // The pieces are let go of: the rest of the answer is never produced for nobody.
    while (!seen.stopped) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen.produced).toBeLessThan(total);
  });

  it("fails only its own call in a batch when its pieces throw, reporting what they threw", async () => {
    const reported: { error: unknown; method?: string }[] = [];
    const { url } = await startServer({
      methods: { ...methods(3, { produced: 0 }), broken: failingPieces() },
      onError: (error, info) => reported.push({ error, method: info.method }),
    });
    expect(await rpc(url, [call("ping", 1), call("broken", 2), call("ping", 3)])).toEqual([
      { jsonrpc: "2.0", id: 1, result: "pong" },
      { jsonrpc: "2.0", id: 2, error: { code: -32603, message: "internal error" } },
      { jsonrpc: "2.0", id: 3, result: "pong" },
    ]);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      method: "broken",
      error: { message: expect.stringContaining("disk read") },
    });
  });

  it("reports what a single call's pieces threw, and cuts its answer short rather than end it as if whole", async () => {
    const reported: { error: unknown; method?: string }[] = [];
    const { url } = await startServer({
      methods: { ...methods(3, { produced: 0 }), broken: failingPieces() },
      onError: (error, info) => reported.push({ error, method: info.method }),
    });
    const cut = await post(url, JSON.stringify(call("broken", 1))).then(
      ({ text }) => text,
      (error: unknown) => error,
    );
    expect(cut).toBeInstanceOf(Error);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      method: "broken",
      error: { message: expect.stringContaining("disk read") },
    });
    expect(await rpc(url, call("ping", 2))).toEqual({ jsonrpc: "2.0", id: 2, result: "pong" });
  });

  it("ends a kept-alive connection once its streamed answer is sent when the server closed meanwhile", async () => {
    const { server, url } = await startServer({ methods: methods(5_000, { produced: 0 }) });
    // The server starts closing mid-answer; once the answer is whole, the client asks again on the
    // connection, which nothing told it not to reuse.
    const answered = await statusLinesAskedTwice(url, JSON.stringify(call("big", 1)), () => server.close());
    expect(answered).toEqual(["HTTP/1.1 200"]);
  });
});
