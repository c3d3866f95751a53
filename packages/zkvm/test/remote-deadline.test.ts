/**
 * The remote backend's request deadline against a server that accepts connections and never
 * answers (wedged, or stopped with SIGSTOP): each call ends at its deadline as a transient failure,
 * garbage collections meanwhile or not, so the task backs off and retries instead of waiting forever.
 */

import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { TransientError } from "@paas/core";
import { afterEach, expect, it } from "vitest";
import { HttpRemoteProver, RemoteHost } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";

// Collections run when they will in a real process; here they are forced while the call waits.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let stalled: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => stalled?.close(resolve));
});

async function stalledServer(): Promise<string> {
  stalled = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", () => {});
  });
  await new Promise<void>((resolve) => stalled!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/`;
}

it("fails a proof transiently, naming the deadline, when the server never answers", async () => {
  const host = new RemoteHost({
    backend: "prover-net",
    prover: new HttpRemoteProver({ url: await stalledServer(), requestTimeoutMs: 200, attempts: 1 }),
    publicKey: "11".repeat(32),
    concurrency: 1,
  });
  const collecting = setInterval(gc, 20);
  try {
    const proving = host.prove(sumProgram, [1, 2], { signal: new AbortController().signal });
    await expect(proving).rejects.toThrow(TransientError);
    // Its first call asks the server's info (whether it takes proposed job ids), then it starts.
    await expect(proving).rejects.toThrow(
      /(GET \/v1\/info|POST \/v1\/jobs): unreachable or no answer \(no answer within \d+ ms/,
    );
  } finally {
    clearInterval(collecting);
  }
});
