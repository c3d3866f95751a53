import { once } from "node:events";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { createJsonRpcServer, RpcErrorCode } from "../src/index.js";
import { post, rpc, startServer } from "./helpers.js";

const methods = {
  ping: { handler: async () => "pong" },
  store: { mutates: true, handler: vi.fn(async () => "stored") },
};

describe("JSON-RPC server: HTTP", () => {
  it("binds to loopback on a random port by default", async () => {
    const a = await startServer({ methods });
    const b = await startServer({ methods });
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(a.url).not.toBe(b.url);
  });

  it("refuses methods other than POST with 405 and an Allow header", async () => {
    const { url } = await startServer({ methods });
    const response = await fetch(url);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toMatchObject({ error: { code: RpcErrorCode.INVALID_REQUEST } });
  });

  it("serves nothing but the JSON-RPC path and the routes the caller adds", async () => {
    const { url } = await startServer({
      methods,
      routes: [{ method: "GET", path: "/metrics", handle: (_req, res) => void res.end("paas_up 1\n") }],
    });
    const metrics = await fetch(new URL("/metrics", url));
    expect(await metrics.text()).toBe("paas_up 1\n");
    expect((await fetch(new URL("/admin", url))).status).toBe(404);
    expect((await post(new URL("/other", url).href, "{}")).status).toBe(404);
    const long = await post(new URL(`/${"a".repeat(10_000)}`, url).href, "{}");
    expect(long.status).toBe(404);
    expect(JSON.parse(long.text).error.message).toBe(`nothing is served at /${"a".repeat(99)}`);
  });

  it("answers odd request paths with a 404, never a 500", async () => {
    const { url } = await startServer({ methods });
    const { port } = new URL(url);
    for (const path of ["//", "//evil.example/", "/%zz", "*", "/..%2f..%2f", "/metrics?x=1"]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port,
          path,
          method: "POST",
          headers: { "content-type": "application/json" },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end("{}");
      });
      expect(status, path).toBe(404);
    }
  });

  it("on loopback, refuses a Host a rebinding page could send, and answers the names it is given", async () => {
    const call = (url: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(url);
        const req = request({
          host: "127.0.0.1",
          port,
          method: "POST",
          headers: { host, "content-type": "application/json" },
        });
        req.on("response", async (res) => {
          let body = "";
          for await (const chunk of res) body += chunk;
          resolve({ status: res.statusCode ?? 0, body });
        });
        req.on("error", reject);
        req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
      });
    const { url } = await startServer({ methods, allowedHosts: ["devnet.internal"] });
    const { port } = new URL(url);
    const foreign = await call(url, `evil.example:${port}`);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.message).toMatch(/^host "evil\.example:\d+" is not served here/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `devnet.internal:${port}`]) {
      expect(JSON.parse((await call(url, host)).body), host).toMatchObject({ result: "pong" });
    }
  });

  it("requires a JSON content type", async () => {
    const { url } = await startServer({ methods });
    const { status, text } = await post(url, '{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      "content-type": "text/plain",
    });
    expect(status).toBe(415);
    expect(JSON.parse(text).error.message).toBe('content-type must be application/json, got "text/plain"');
    const charset = await post(url, '{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      "content-type": "application/json; charset=utf-8",
    });
    expect(JSON.parse(charset.text)).toMatchObject({ result: "pong" });
  });

  it("refuses a body over the cap with 413, by declared length", async () => {
    const { url } = await startServer({ methods, maxBodyBytes: 1024 });
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: ["x".repeat(5000)] });
    const { status, text, headers } = await post(url, big);
    expect(status).toBe(413);
    expect(headers.get("connection")).toBe("close");
    expect(JSON.parse(text)).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: RpcErrorCode.INVALID_REQUEST, message: "request body exceeds 1024 bytes" },
    });
  });

  it("stops reading a chunked body at the cap without waiting for its end", async () => {
    const { url } = await startServer({ methods, maxBodyBytes: 1024 });
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } });
    // Sent chunked (no content length), and never finished: only the cap can end this exchange.
    req.write("x".repeat(4096));
    const [response] = (await once(req, "response")) as [import("node:http").IncomingMessage];
    expect(response.statusCode).toBe(413);
    response.resume();
    req.destroy();
  });

  it("answers 408 and closes the connection of a client that sends its body too slowly", async () => {
    const errors: unknown[] = [];
    const { url } = await startServer({ methods, requestTimeoutMs: 1_000, onError: (e) => errors.push(e) });
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.write(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
    );
    // A byte every 200 ms: always sending, never done within the timeout.
    const trickle = setInterval(() => socket.write(" "), 200);
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    const started = Date.now();
    try {
      await once(socket, "close");
    } finally {
      clearInterval(trickle);
    }
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors).toEqual([]);
  });

  it("cuts the connection of a client that does not read its answer in time", async () => {
    const big = "x".repeat(40 * 1024 * 1024);
    const { url } = await startServer({
      methods: { big: { handler: async () => big } },
      answerTimeoutMs: 1_000,
      maxBodyBytes: 1024,
    });
    const { hostname, port } = new URL(url);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "big" });
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    // More than the system's socket buffers take: the rest waits in the server's memory.
    socket.pause();
    socket.on("error", () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await once(socket, "close");
    expect(received).toBeLessThan(big.length);
  });

  it("reports nothing when a client goes away before the end of its body", async () => {
    const errors: unknown[] = [];
    const { url } = await startServer({ methods, onError: (e) => errors.push(e) });
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.write(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toEqual([]);
  });

  it("requires the bearer token for mutating methods only", async () => {
    const { url } = await startServer({ methods, auth: { bearerToken: "s3cret" } });
    const call = { jsonrpc: "2.0", id: 1, method: "store" };
    expect(await rpc(url, call)).toEqual({
      jsonrpc: "2.0",
      id: 1,
      error: {
        code: RpcErrorCode.UNAUTHORIZED,
        message: 'unauthorized: method "store": it requires a bearer token (Authorization: Bearer <token>)',
      },
    });
    expect(await rpc(url, call, { authorization: "Bearer wrong" })).toMatchObject({
      error: {
        code: RpcErrorCode.UNAUTHORIZED,
        message: 'unauthorized: method "store": the bearer token does not match the server\'s',
      },
    });
    expect(await rpc(url, call, { authorization: "Basic czNjcmV0" })).toMatchObject({
      error: { message: expect.stringContaining("does not match") },
    });
    expect(methods.store.handler).not.toHaveBeenCalled();
    expect(await rpc(url, call, { authorization: "Bearer s3cret" })).toMatchObject({ result: "stored" });
    expect(await rpc(url, { jsonrpc: "2.0", id: 2, method: "ping" })).toMatchObject({ result: "pong" });
  });

  it("ends a refusal with the server's hint of where the token is", async () => {
    const { url } = await startServer({
      methods,
      auth: { bearerToken: "s3cret", hint: "the token is the first line of /srv/data/rpc-token" },
    });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method: "store" })).toMatchObject({
      error: {
        code: RpcErrorCode.UNAUTHORIZED,
        message:
          'unauthorized: method "store": it requires a bearer token (Authorization: Bearer <token>); the token is the first line of /srv/data/rpc-token',
      },
    });
  });

  it("drops an unauthenticated notification to a mutating method without running it", async () => {
    methods.store.handler.mockClear();
    const { url } = await startServer({ methods, auth: { bearerToken: "s3cret" } });
    const { status } = await post(url, JSON.stringify({ jsonrpc: "2.0", method: "store" }));
    expect(status).toBe(204);
    expect(methods.store.handler).not.toHaveBeenCalled();
  });

  it("tells a handler where its call came from, for the logs of actions", async () => {
    const { url } = await startServer({
      methods: { whoAmI: { handler: async (_params, ctx) => ctx.remoteAddress } },
    });
    expect(await rpc(url, { jsonrpc: "2.0", id: 1, method: "whoAmI" })).toMatchObject({
      result: "127.0.0.1",
    });
  });

  it("aborts a handler's signal when its client goes away", async () => {
    let aborted!: Promise<unknown>;
    const { url } = await startServer({
      methods: {
        slow: {
          handler: (_params, ctx) => {
            aborted = once(ctx.signal, "abort");
            return new Promise(() => {});
          },
        },
      },
    });
    await callAndGiveUp(url, "slow");
    await aborted;
  });

  it("tells a handler that asks for its signal only after its client went away", async () => {
    let asked!: (signal: AbortSignal) => void;
    const late = new Promise<AbortSignal>((resolve) => {
      asked = resolve;
    });
    const gone = deferred();
    const { url } = await startServer({
      methods: {
        slow: {
          async handler(_params, ctx) {
            await gone.promise;
            asked(ctx.signal);
            return "too late";
          },
        },
      },
    });
    await callAndGiveUp(url, "slow");
    // The server sees the connection close a moment after the client gives up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    gone.resolve();
    const signal = await late;
    // Aborted already when the server saw the close first (the usual case), or as soon as it does.
    if (!signal.aborted) await once(signal, "abort");
    expect(signal.reason).toEqual(new Error("client disconnected"));
  });

  it("closes idle keep-alive connections on close()", async () => {
    const server = createJsonRpcServer({ methods });
    await server.listen();
    const agent = new Agent({ keepAlive: true });
    const req = request(server.url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json" },
    });
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
    const [response] = (await once(req, "response")) as [import("node:http").IncomingMessage];
    response.resume();
    await once(response, "end");
    const socket = req.socket!;
    expect(socket.destroyed).toBe(false);
    const closed = once(socket, "close");
    await server.close();
    await closed;
    agent.destroy();
  });

  it("lets an in-flight call finish within the grace period on close()", async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = createJsonRpcServer({
      methods: {
        wait: {
          handler: async () => {
            release();
            await new Promise((resolve) => setTimeout(resolve, 50));
            return "done";
          },
        },
      },
    });
    await server.listen();
    const answer = rpc(server.url, { jsonrpc: "2.0", id: 1, method: "wait" });
    await started;
    await server.close();
    expect(await answer).toMatchObject({ result: "done" });
  });

  it("aborts a stuck handler and cuts its connection once the grace period is over", async () => {
    const aborted = deferred();
    const started = deferred();
    const server = createJsonRpcServer({
      closeGraceMs: 50,
      methods: {
        stuck: {
          handler: (_params, ctx) => {
            ctx.signal.addEventListener("abort", () => aborted.resolve());
            started.resolve();
            return new Promise(() => {});
          },
        },
      },
    });
    await server.listen();
    const answer = rpc(server.url, { jsonrpc: "2.0", id: 1, method: "stuck" });
    await started.promise;
    await server.close();
    await aborted.promise;
    await expect(answer).rejects.toThrow();
  });

  it("reports a port already in use from listen()", async () => {
    const { server } = await startServer({ methods });
    const port = Number(new URL(server.url).port);
    await expect(createJsonRpcServer({ methods, port }).listen()).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });
});

/** A promise with its resolver (Promise.withResolvers is newer than the ES2023 lib). */
/** Calls `method` and gives up waiting for the answer after 200 ms, closing the connection. */
async function callAndGiveUp(url: string, method: string): Promise<void> {
  const call = fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method }),
    signal: AbortSignal.timeout(200),
  });
  await expect(call).rejects.toThrow();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
