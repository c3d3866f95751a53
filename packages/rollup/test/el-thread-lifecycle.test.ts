import { createServer, type Server } from "node:http";
import type { MessageChannel as NodeMessageChannel, Worker as NodeWorker } from "node:worker_threads";
import { TransientError } from "@paas/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { failure } from "./rpc-helpers.js";

/**
 * Every EL thread started, so that a test can make one die as an out-of-memory thread does, and
 * the channel to each, so that a test can see what it sends back.
 */
const { threads, channels } = vi.hoisted(() => ({
  threads: [] as NodeWorker[],
  channels: [] as NodeMessageChannel[],
}));

vi.mock("node:worker_threads", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:worker_threads")>();
  class RecordedWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      threads.push(this);
    }
  }
  class RecordedChannel extends real.MessageChannel {
    constructor() {
      super();
      channels.push(this);
    }
  }
  return { ...real, Worker: RecordedWorker, MessageChannel: RecordedChannel };
});

const { ElClient } = await import("../src/index.js");

const servers: Server[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/**
 * A node that answers `debug_getRawBlock` with one byte, or never while `silent()` says so, and
 * `debug_executionWitness` with `witness`, calling `sent()` once it is all written.
 */
async function node(silent: () => boolean, witness?: { json: string; sent(): void }): Promise<string> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (silent()) return;
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      response.writeHead(200, { "content-type": "application/json" });
      if (method === "debug_executionWitness" && witness) {
        response.end(`{"jsonrpc":"2.0","id":${id},"result":${witness.json}}`, witness.sent);
        return;
      }
      response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x01" }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}/`;
}

describe("the EL thread dying", () => {
  it("fails the calls it held as transient failures naming their method, and the next call starts a new thread", async () => {
    const threadsBefore = threads.length;
    let silent = true;
    let asked = 0;
    const silentNode = () => {
      asked++;
      return silent;
    };
    const el = new ElClient({ url: await node(silentNode), retry: { attempts: 1 } });
    const pending = failure(el.getRawBlock(1));
    // The thread is reading the answer; it is then terminated from outside, as when it runs out of
    // memory: it exits without answering.
    await vi.waitFor(() => expect(asked).toBe(1), { timeout: 20_000 });
    await threads.at(-1)!.terminate();
    const error = await pending;
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ method: "debug_getRawBlock", failure: "unreachable" });
    expect(error.message).toBe("debug_getRawBlock: the EL thread exited with code 1 before answering");
    silent = false;
    expect(await el.getRawBlock(1)).toEqual(Uint8Array.of(1));
    expect(threads).toHaveLength(threadsBefore + 2);
  }, 30_000);
});

describe("a call given up while the EL thread reads or decodes its answer", () => {
  it("is dropped there: nothing about it is handed back to the main thread", async () => {
    const controller = new AbortController();
    const witness = {
      // A million items (7 MB): read in a few ms, parsed and decoded for far longer, so the abort
      // comes 50 ms after the node sent it, while the thread decodes. Earlier (while it reads) the
      // thread must stay as silent.
      json: `{"state":[${Array.from({ length: 1_000_000 }, () => '"0x01"').join(",")}],"codes":[],"headers":[]}`,
      sent: () => setTimeout(() => controller.abort(new Error("task cancelled")), 50),
    };
    const el = new ElClient({ url: await node(() => false, witness) });
    await el.getRawBlock(1); // the thread is up
    const handedBack: unknown[] = [];
    channels.at(-1)!.port1.on("message", (response: { id: number }) => handedBack.push(response.id));
    const error = await failure(el.getExecutionWitness(1, { signal: controller.signal }));
    expect(error).toMatchObject({ failure: "aborted", method: "debug_executionWitness" });
    // A later call's answer comes after anything the thread sent about the abandoned one.
    expect(await el.getRawBlock(1)).toEqual(Uint8Array.of(1));
    expect(handedBack).toHaveLength(1);
  }, 30_000);
});
