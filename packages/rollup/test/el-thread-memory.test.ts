import { createServer, type Server } from "node:http";
import { PermanentError, TransientError } from "@paas/core";
import { afterEach, describe, expect, it } from "vitest";
import { ElClient } from "../src/index.js";
import { failure } from "./rpc-helpers.js";

const MiB = 1024 * 1024;

const servers: Server[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/**
 * A node whose `debug_executionWitness` is `mb` MiB of 32-byte items (the costliest to parse and
 * decode per byte), built once; `debug_getRawBlock` answers one byte.
 */
async function node(mb: number): Promise<string> {
  const item = `"0x${"ab".repeat(32)}"`;
  const items = Math.floor((mb * MiB) / (item.length + 1));
  const witness = Buffer.from(`{"state":[${Array(items).fill(item).join(",")}],"codes":[],"headers":[]}}`);
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      response.writeHead(200, { "content-type": "application/json" });
      if (method !== "debug_executionWitness") {
        response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x01" }));
        return;
      }
      response.write(`{"jsonrpc":"2.0","id":${id},"result":`);
      response.end(witness);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}/`;
}

describe("the EL thread's memory", () => {
  it("is limited: a thread over its heap limit dies alone, its calls fail naming the limit, and the next call starts a new thread", async () => {
    // 8 MiB cannot even hold the thread's modules: it runs out of memory as it starts, a point where
    // V8 always stops it in time (in one JSON.parse of an answer past the limit it may not: that is
    // why answers are capped, below), while this (the process's) thread goes on.
    const url = await node(1);
    const starved = new ElClient({ url, threadHeapMb: 8, retry: { attempts: 1 } });
    const error = await failure(starved.getExecutionWitness(1));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ method: "debug_executionWitness", failure: "unreachable" });
    expect(error.message).toBe(
      "debug_executionWitness: the EL thread ran out of memory (its heap limit is 8 MiB, the EL client's threadHeapMb) before answering",
    );
    expect((await new ElClient({ url, threadHeapMb: 64 }).getExecutionWitness(1)).state).toHaveLength(15_196);
  }, 60_000);

  it("bounds one answer by default to what the thread can decode: a larger one is refused as it is read, naming the cap", async () => {
    const el = new ElClient({ url: await node(40), threadHeapMb: 64, retry: { attempts: 1 } });
    const error = await failure(el.getExecutionWitness(1));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ method: "debug_executionWitness", failure: "malformed" });
    expect(error.message).toBe("debug_executionWitness: the answer exceeds 8388608 bytes");
    // The thread lives on.
    expect(await el.getRawBlock(1)).toEqual(Uint8Array.of(1));
  }, 60_000);
});
