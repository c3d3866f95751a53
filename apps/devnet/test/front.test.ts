/**
 * The devnet's HTTP front over a plain upstream server, to reproduce what the devnet's own
 * JSON-RPC server does only by chance: closing a kept-alive connection just as the front reuses it.
 */
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { FaultSwitches } from "../src/faults.js";
import { type Front, startFront } from "../src/front.js";

let upstream: Server | undefined;
let front: Front | undefined;

afterEach(async () => {
  await front?.close();
  await stopUpstream();
});

async function stopUpstream(): Promise<void> {
  const server = upstream;
  upstream = undefined;
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Answers the first request on each connection; cuts the connection at its second, unanswered. */
async function startIdleClosingUpstream(): Promise<{ port: number; served: () => number }> {
  let served = 0;
  const requestsOnSocket = new WeakMap<object, number>();
  upstream = createServer((req, res) => {
    const seen = (requestsOnSocket.get(req.socket) ?? 0) + 1;
    requestsOnSocket.set(req.socket, seen);
    if (seen > 1) return void req.socket.destroy();
    req.resume();
    req.once("end", () => {
      served += 1;
      res.writeHead(200, { "Content-Type": "application/json" }).end(`{"served":${served}}`);
    });
  });
  await new Promise<void>((resolve) => upstream?.listen(0, "127.0.0.1", resolve));
  return { port: (upstream.address() as AddressInfo).port, served: () => served };
}

/** The front with every fault switch off, forwarding to `upstreamPort`. */
function frontOf(upstreamPort: number): Promise<Front> {
  return startFront({
    host: "127.0.0.1",
    port: 0,
    upstreamPort,
    faults: new FaultSwitches(),
    maxBodyBytes: 1024,
  });
}

async function post(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: '{"jsonrpc":"2.0","id":1,"method":"el_blockNumber","params":[]}',
  });
}

it("sends a request again on a new connection when the reused one was closed under it, instead of a 502", async () => {
  const target = await startIdleClosingUpstream();
  front = await frontOf(target.port);
  const first = await post(front.port);
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ served: 1 });
  // The front's agent reuses the kept-alive connection, which the upstream cuts: one retry, answered.
  const second = await post(front.port);
  expect(second.status).toBe(200);
  expect(await second.json()).toEqual({ served: 2 });
});

it("answers 502 when the upstream is gone, without retrying forever", async () => {
  const target = await startIdleClosingUpstream();
  front = await frontOf(target.port);
  expect((await post(front.port)).status).toBe(200);
  await stopUpstream();
  const answer = await post(front.port);
  expect(answer.status).toBe(502);
  expect(await answer.text()).toBe("devnet: the JSON-RPC server did not answer\n");
  expect(target.served()).toBe(1);
});

/** Answers every request with `bytes` bytes of JSON, as a batch of witnesses would. */
async function startLargeAnswerUpstream(bytes: number): Promise<number> {
  const answer = Buffer.alloc(bytes, " ");
  upstream = createServer((req, res) => {
    req.resume();
    req.once("end", () => res.writeHead(200, { "Content-Type": "application/json" }).end(answer));
  });
  await new Promise<void>((resolve) => upstream?.listen(0, "127.0.0.1", resolve));
  return (upstream.address() as AddressInfo).port;
}

it("cuts a client that stops reading its answer, instead of holding its connection and answer for good", async () => {
  // More than the kernel buffers on both sides of a loopback connection hold.
  const answerBytes = 32 * 1024 * 1024;
  const upstreamPort = await startLargeAnswerUpstream(answerBytes);
  front = await startFront({
    host: "127.0.0.1",
    port: 0,
    upstreamPort,
    faults: new FaultSwitches(),
    maxBodyBytes: 1024,
    answerTimeoutMs: 200,
  });
  const body = '{"jsonrpc":"2.0","id":1,"method":"debug_executionWitness","params":["latest"]}';
  const socket = connect(front.port, "127.0.0.1");
  socket.pause();
  socket.write(
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${front.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Reading again now: a connection the front cut ends before the whole answer.
  let received = 0;
  const ended = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.once("close", () => resolve());
    socket.once("error", () => resolve());
  });
  socket.resume();
  const outcome = await Promise.race([ended.then(() => "closed"), sleep(3000).then(() => "held")]);
  socket.destroy();
  expect(outcome).toBe("closed");
  expect(received).toBeLessThan(answerBytes);
});
