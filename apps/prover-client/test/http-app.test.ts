/**
 * The prover client's HTTP server on its own, over real HTTP on loopback: what fastify now does
 * (bodies, media types, paths, static files, event streams, close) answers as the JSON-RPC
 * contract says. The methods are small real ones; the whole app is tested in functional/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, get as httpGet, type IncomingMessage, request } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { hostCheck } from "@paas/core";
import { defineMethod, type JsonRpcErrorObject, StreamedResult } from "@paas/jsonrpc";
import { statusLinesAskedTwice } from "@paas/jsonrpc/testing";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DASHBOARD_CONTENT_POLICY } from "../src/http/dashboard-route.js";
import { EventStream } from "../src/http/event-stream.js";
import { buildHttpApp, type HttpAppOptions } from "../src/http/http-app.js";

const TOKEN = "a-long-enough-secret-token";
const servers: FastifyInstance[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(overrides: Partial<HttpAppOptions> = {}): Promise<{ url: string; errors: unknown[] }> {
  const errors: unknown[] = [];
  const server = await buildHttpApp({
    methods: {
      echo: defineMethod({ params: z.tuple([z.string()]), handler: ([text]) => text }),
      change: defineMethod({ params: z.tuple([]), mutates: true, handler: () => "changed" }),
      broken: { handler: () => Promise.reject(new Error("secret detail at /srv/x.ts:12")) },
    },
    bearerToken: TOKEN,
    maxBodyBytes: 4096,
    onError: (error) => errors.push(error),
    metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "paas_up 1\n" }),
    readiness: [{ name: "database", check: async () => undefined }],
    readinessTimeoutMs: 1_000,
    events: new EventStream(),
    dashboardDir: path.join(tmpdir(), "paas-no-dashboard-here"),
    ...overrides,
  });
  servers.push(server);
  await server.listen({ host: "127.0.0.1", port: 0 });
  return { url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/`, errors };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

const call = (method: string, params: unknown = [], id: number = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });
const errorOf = (answer: { json: { error: JsonRpcErrorObject } }) => answer.json.error;

describe("JSON-RPC at POST /", () => {
  it("answers calls, batches and notifications as @paas/jsonrpc's dispatch does", async () => {
    const { url } = await start({ maxBatchSize: 3 });
    expect((await post(url, call("echo", ["hi"]))).json).toEqual({ jsonrpc: "2.0", id: 1, result: "hi" });
    const batch = await post(url, `[${call("echo", ["a"], 1)},${call("nope", [], 2)}]`);
    expect(batch.json.map((r: { id: number }) => r.id)).toEqual([1, 2]);
    expect(batch.json[1].error.code).toBe(-32601);
    const notification = await post(url, JSON.stringify({ jsonrpc: "2.0", method: "echo", params: ["x"] }));
    expect(notification.status).toBe(204);
    const tooMany = await post(url, `[${Array.from({ length: 4 }, (_, i) => call("echo", ["x"], i))}]`);
    expect(errorOf(tooMany)).toMatchObject({ code: -32600, message: expect.stringContaining("limit of 3") });
  });

  it("writes a streamed result a piece per turn of the event loop, as one JSON answer", async () => {
    let turnedBeforeLast = false;
    function* digits(): Generator<string> {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      yield '"';
      for (let n = 0; n < 200; n += 1) yield String(n % 10);
      turnedBeforeLast = turned;
      yield '"';
    }
    const { url } = await start({
      methods: {
        digits: defineMethod({ params: z.tuple([]), handler: () => new StreamedResult(digits()) }),
      },
    });
    const answer = await post(url, call("digits"));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.json).toEqual({ jsonrpc: "2.0", id: 1, result: "0123456789".repeat(20) });
    expect(turnedBeforeLast).toBe(true);
  });

  it("answers a body that is not JSON with a parse error, and a wrong media type with 415", async () => {
    const { url } = await start();
    const malformed = await post(url, "{ not json");
    expect(malformed.status).toBe(200);
    expect(errorOf(malformed).code).toBe(-32700);
    const empty = await post(url, "");
    expect(errorOf(empty).code).toBe(-32700);
    const plain = await post(url, call("echo", ["x"]), { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
    expect(errorOf(plain)).toMatchObject({
      code: -32600,
      message: 'content-type must be application/json, got "text/plain"',
    });
    const charset = await post(url, call("echo", ["x"]), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(charset.json.result).toBe("x");
  });

  it("answers a body that is not UTF-8 with a parse error, rather than running the call on other text", async () => {
    const { url } = await start();
    // "café" in Latin-1: read loosely, "echo" answered "caf\uFFFD".
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from(call("echo", ["café"]), "latin1"),
    });
    expect(await response.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "parse error: body is not valid UTF-8" },
    });
    expect((await post(url, call("echo", ["café"]))).json.result).toBe("café");
  });

  it("refuses a body over the cap with 413 and a JSON-RPC error, then serves the next request", async () => {
    const { url } = await start();
    const oversized = await post(url, call("echo", ["x".repeat(10_000)]));
    expect(oversized.status).toBe(413);
    expect(oversized.headers.get("connection")).toBe("close");
    expect(errorOf(oversized)).toEqual({ code: -32600, message: "request body exceeds 4096 bytes" });
    expect((await post(url, call("echo", ["after"]))).json.result).toBe("after");
  });

  it("asks for the token on methods that change state, saying whether it is missing or wrong", async () => {
    const { url } = await start();
    expect(errorOf(await post(url, call("change")))).toMatchObject({
      code: -32001,
      message: expect.stringContaining("requires a bearer token"),
    });
    expect(errorOf(await post(url, call("change"), { authorization: "Bearer not-the-token" }))).toMatchObject(
      {
        code: -32001,
        message: expect.stringContaining("does not match"),
      },
    );
    expect((await post(url, call("change"), { authorization: `Bearer ${TOKEN}` })).json.result).toBe(
      "changed",
    );
    expect((await post(url, call("echo", ["read"]))).json.result).toBe("read");
  });

  it("answers an unexpected failure with 'internal error', never its message or stack", async () => {
    const { url, errors } = await start();
    const broken = await post(url, call("broken"));
    expect(errorOf(broken)).toEqual({ code: -32603, message: "internal error" });
    expect(broken.text).not.toContain("secret");
    expect(errors).toHaveLength(1);
  });

  it("answers other methods on / with 405 and unknown paths with 404, as JSON-RPC errors", async () => {
    const { url } = await start();
    const put = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(((await put.json()) as { error: JsonRpcErrorObject }).error.code).toBe(-32600);
    const missing = await fetch(new URL("/nothing?here", url));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: JsonRpcErrorObject }).error.message).toBe(
      "nothing is served at /nothing",
    );
  });
});

/** One request with a sized body through `agent`, which keeps its connection for the next. */
function send(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const sized = { ...headers, "content-length": String(Buffer.byteLength(body)) };
    const req = request({ host: hostname, port, path, method, headers: sized, agent }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("bodies fastify does not read", () => {
  it("drops them before answering, so a kept-alive connection carries the next request", async () => {
    const { url } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const json = { "content-type": "application/json" };
      const plain = { "content-type": "text/plain" };
      expect((await send(agent, url, "GET", "/health", json, '{"a": 1}')).status).toBe(200);
      expect((await send(agent, url, "POST", "/", plain, "not json!")).status).toBe(415);
      expect((await send(agent, url, "POST", "/nowhere", json, '{"a": 1}')).status).toBe(404);
      expect((await send(agent, url, "GET", "/%ff", plain, "not json!")).status).toBe(400);
      const after = await send(
        agent,
        url,
        "POST",
        "/",
        { "content-type": "application/json" },
        call("echo", ["same"]),
      );
      expect(JSON.parse(after.text).result).toBe("same");
      const big = await send(
        agent,
        url,
        "GET",
        "/health",
        { "content-type": "text/plain" },
        "x".repeat(5_000),
      );
      expect(big.status).toBe(413);
    } finally {
      agent.destroy();
    }
  });
});

/** Writes `raw` on a connection of its own and returns everything the server sent until it closed. */
async function exchangeRaw(url: string, raw: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(raw));
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
}

describe("the Host header", () => {
  it("on loopback, refuses a name a page could have rebound to 127.0.0.1, before any route or token", async () => {
    const { url } = await start({ acceptsHost: hostCheck("127.0.0.1", ["proxy.internal"]) });
    const { port } = new URL(url);
    const postFrom = (host: string) =>
      exchangeRaw(
        url,
        `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${call("change").length}\r\nConnection: close\r\n\r\n${call("change")}`,
      );
    const refused = await postFrom(`rebound.example:${port}`);
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
    expect(JSON.parse(refused.split("\r\n\r\n")[1]!).error.message).toContain('host "rebound.example:');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "proxy.internal"]) {
      const answered = await postFrom(host);
      expect(answered, host).toMatch(/^HTTP\/1\.1 200 /);
      expect(answered).toContain('"result":"changed"');
    }
  });
});

describe("requests a browser sends for a page of another site", () => {
  it("are refused before any route or token; the dashboard's own, typed addresses and links are answered", async () => {
    const { url } = await start();
    const agent = new Agent({ keepAlive: true });
    const from = (site: string, extra: Record<string, string> = {}) =>
      send(
        agent,
        url,
        "POST",
        "/",
        {
          "content-type": "application/json",
          authorization: `Bearer ${TOKEN}`,
          "sec-fetch-site": site,
          ...extra,
        },
        call("change"),
      );
    // Another port of 127.0.0.1 is the same site, yet another origin: a local app's page.
    for (const site of ["same-site", "cross-site"]) {
      const refused = await from(site, { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" });
      expect(refused.status, site).toBe(403);
      expect(JSON.parse(refused.text).error.message).toContain(
        `a page of another site (Sec-Fetch-Site: ${site})`,
      );
    }
    expect((await from("same-origin")).text).toContain('"result":"changed"');
    const navigate = { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" };
    const link = await send(agent, url, "GET", "/health", { ...navigate, "sec-fetch-dest": "document" }, "");
    expect(link).toMatchObject({ status: 200, text: "ok\n" });
    const frame = await send(agent, url, "GET", "/health", { ...navigate, "sec-fetch-dest": "iframe" }, "");
    expect(frame.status).toBe(403);
    agent.destroy();
  });
});

describe("connections opened and left silent", () => {
  it("cannot lock clients out: past the cap the one idle the longest goes, an event stream stays", async () => {
    const { url } = await start({ maxConnections: 20 });
    const { port } = new URL(url);
    const opened: Socket[] = [];
    const open = () =>
      new Promise<Socket>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1", () => resolve(socket));
        socket.on("error", () => undefined);
        opened.push(socket);
      });
    try {
      const events = await open();
      let streamed = "";
      events.on("data", (chunk: Buffer) => {
        streamed += chunk.toString("latin1");
      });
      events.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      // vi.waitFor's default 1 s is less than an event-loop stall under CI's load: waited as `until` does.
      await vi.waitFor(() => expect(streamed).toMatch(/^HTTP\/1\.1 200 /), { timeout: 15_000 });

      const crowd = await Promise.all(Array.from({ length: 40 }, () => open()));
      await vi.waitFor(
        () => expect(crowd.filter((socket) => socket.destroyed).length).toBeGreaterThanOrEqual(21),
        { timeout: 15_000 },
      );
      expect((await fetch(new URL("/health", url))).status).toBe(200);
      expect(events.destroyed).toBe(false);
    } finally {
      for (const socket of opened) socket.destroy();
    }
  });
});

describe("a client that stops reading", () => {
  it("has its connection cut once its answer has waited too long, while one that reads gets it whole", {
    timeout: 30_000,
  }, async () => {
    // More than the system's socket buffers take, so the rest waits in the server's memory.
    const big = "x".repeat(40 * 1024 * 1024);
    const { url } = await start({
      methods: { big: defineMethod({ params: z.tuple([]), handler: () => big }) },
      // The reader shares this process's event loop with the server: at 2 s, a stall under CI's
      // load (a second or more) cut it mid-answer, as if it had stopped reading.
      answerTimeoutMs: 6_000,
    });
    expect((await post(url, call("big"))).json.result).toHaveLength(big.length);

    // The server's end of the connection is watched: a client that does not read sees nothing.
    const cut = new Promise<void>((resolve) =>
      servers.at(-1)!.server.once("connection", (socket: Socket) => socket.once("close", () => resolve())),
    );
    const body = call("big");
    const client = connect(Number(new URL(url).port), "127.0.0.1", () => {
      client.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      client.pause();
    });
    client.on("error", () => undefined);
    await cut;
    client.destroy();
  });
});

describe("bytes that are not a request", () => {
  it("answer the request before them alone, with nothing after its answer", async () => {
    const { url } = await start();
    // Node's client sends a GET's body without a length: the body then reads as a broken request.
    const received = await exchangeRaw(url, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n[]");
    expect(received.match(/^HTTP\/1\.1 \d+/gm)).toEqual(["HTTP/1.1 200"]);
  });

  it("are refused with 400, and headers over Node's limit with 431, as JSON-RPC errors", async () => {
    const { url } = await start();
    const garbage = await exchangeRaw(url, "NOT HTTP AT ALL\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(garbage.split("\r\n\r\n")[1]!)).toMatchObject({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "the request is not readable HTTP" },
    });
    const huge = await exchangeRaw(
      url,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe("close", () => {
  it("lets an in-flight call finish within the grace period, telling the client not to reuse the connection", async () => {
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let finish!: (value: string) => void;
    const { url } = await start({
      closeGraceMs: 60_000,
      methods: {
        slow: {
          handler: () => {
            entered();
            return new Promise((resolve) => {
              finish = resolve;
            });
          },
        },
      },
    });
    const answer = post(url, call("slow"));
    await inside;
    const server = servers.pop()!;
    const closed = server.close();
    // Fastify closes in steps; the listener stops after the close hooks ran.
    while (server.server.listening) await new Promise((resolve) => setImmediate(resolve));
    finish("done in time");
    const { json, headers } = await answer;
    expect(json.result).toBe("done in time");
    expect(headers.get("connection")).toBe("close");
    await closed;
  });

  it("ends a kept-alive connection once its streamed answer is sent when the server closed meanwhile", async () => {
    function* numbers(): Generator<string> {
      yield "[0";
      for (let n = 1; n < 5_000; n += 1) yield `,${n}`;
      yield "]";
    }
    const { url } = await start({
      closeGraceMs: 60_000,
      methods: {
        numbers: defineMethod({ params: z.tuple([]), handler: () => new StreamedResult(numbers()) }),
      },
    });
    const server = servers.pop()!;
    // The server starts closing mid-answer, whose headers are sent: they cannot say
    // "Connection: close". Once the answer is whole, the client asks again on the connection.
    const answered = await statusLinesAskedTwice(url, call("numbers"), () => server.close());
    expect(answered).toEqual(["HTTP/1.1 200"]);
  });

  it("aborts the calls still running when the grace period ends", async () => {
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let sawAbort = false;
    const { url } = await start({
      closeGraceMs: 0,
      methods: {
        endless: {
          handler: (_params, ctx) => {
            entered();
            return new Promise((resolve) => {
              ctx.signal.addEventListener("abort", () => {
                sawAbort = true;
                resolve("stopped");
              });
            });
          },
        },
      },
    });
    const answer = post(url, call("endless")).catch((error: unknown) => error);
    await inside;
    await servers.pop()!.close();
    expect(sawAbort).toBe(true);
    await answer;
  });
});

describe("probes", () => {
  it("serves /health, /metrics and /ready, with the reasons when not ready", async () => {
    let dbDown = false;
    const { url } = await start({
      readiness: [
        {
          name: "database",
          check: async () => (dbDown ? Promise.reject(new Error("disk I/O error")) : undefined),
        },
        { name: "cl", check: async () => 7 },
      ],
    });
    expect(await (await fetch(new URL("/health", url))).text()).toBe("ok\n");
    expect(await (await fetch(new URL("/metrics", url))).text()).toBe("paas_up 1\n");
    const ready = await fetch(new URL("/ready", url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      reasons: [],
      checks: { database: { ok: true }, cl: { ok: true } },
    });
    dbDown = true;
    const notReady = await fetch(new URL("/ready", url));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, reasons: ["database: disk I/O error"] });
  });

  it("runs the checks once for probes that arrive while they run, and anew for a later probe", async () => {
    let runs = 0;
    const { url } = await start({
      readiness: [
        {
          name: "database",
          check: async () => {
            runs++;
            // Long enough for all fifty probes to arrive while it runs, on a busy machine too.
            await new Promise((resolve) => setTimeout(resolve, 1_000));
          },
        },
      ],
      readinessTimeoutMs: 5_000,
    });
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(new URL("/ready", url))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(runs).toBe(1);
    expect((await fetch(new URL("/ready", url))).status).toBe(200);
    expect(runs).toBe(2);
  });

  it("counts a check that never answers as not ready, within the timeout", async () => {
    const { url } = await start({
      readiness: [{ name: "el", check: () => new Promise(() => {}) }],
      readinessTimeoutMs: 50,
    });
    const notReady = await fetch(new URL("/ready", url));
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reasons: string[] }).reasons).toEqual([
      "el: no answer within 50 ms",
    ]);
  });
});

describe("the dashboard's files", () => {
  it("says how to build the dashboard when it is not built, and JSON-RPC still works beside it", async () => {
    const { url } = await start();
    const root = await fetch(url);
    expect(root.status).toBe(404);
    // Exactly this: no file path of the installation to whoever loads the page.
    expect(await root.json()).toEqual({
      error: "the dashboard is not built",
      build: expect.stringContaining("npm run build:dashboard -w @paas/prover-client"),
    });
    expect((await post(url, call("echo", ["beside"]))).json.result).toBe("beside");
  });

  it("serves index.html at / (revalidated, never framed by another page) and hashed assets (cached for good)", async () => {
    const dist = mkdtempSync(path.join(tmpdir(), "paas-dashboard-"));
    dirs.push(dist);
    mkdirSync(path.join(dist, "assets"));
    writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>PaaS</title>");
    writeFileSync(path.join(dist, "assets", "app-1a2b3c.js"), "console.log(1)");
    const { url } = await start({ dashboardDir: dist });
    const index = await fetch(url);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("x-frame-options")).toBe("DENY");
    expect(index.headers.get("content-security-policy")).toBe(DASHBOARD_CONTENT_POLICY);
    expect(DASHBOARD_CONTENT_POLICY).toContain("frame-ancestors 'none'");
    expect(await index.text()).toContain("<title>PaaS</title>");
    const asset = await fetch(new URL("/assets/app-1a2b3c.js", url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await post(url, call("echo", ["beside"]))).json.result).toBe("beside");
    expect((await fetch(new URL("/assets/missing.js", url))).status).toBe(404);
  });
});

/** Reads server-sent events until `stop` says enough; returns them. */
async function readEvents(
  response: Response,
  stop: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = "";
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe("events at /events", () => {
  it("sends the snapshot first, then what is published, without a token", async () => {
    const events = new EventStream({
      snapshot: { event: "overview", read: async () => ({ n: 1 }), tickMs: 60_000 },
    });
    const { url } = await start({ events });
    const response = await fetch(new URL("/events", url));
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const received = readEvents(response, (seen) => seen.some((e) => e.event === "task"));
    // Published once the subscriber is registered (the snapshot proves it is).
    while (events.size === 0) await new Promise((resolve) => setImmediate(resolve));
    events.publish("task", { id: "t1", status: "queued" });
    expect(await received).toEqual([
      { event: "overview", data: { n: 1 } },
      { event: "task", data: { id: "t1", status: "queued" } },
    ]);
  });

  it("reads one snapshot for subscribers arriving while it is read, and a new one after", async () => {
    let reads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events = new EventStream({
      snapshot: {
        event: "overview",
        read: async () => {
          reads += 1;
          await gate;
          return { read: reads };
        },
        tickMs: 60_000,
      },
    });
    const { url } = await start({ events });
    const responses = await Promise.all(Array.from({ length: 5 }, () => fetch(new URL("/events", url))));
    const received = responses.map((response) => readEvents(response, (seen) => seen.length === 1));
    release();
    for (const events of await Promise.all(received))
      expect(events).toEqual([{ event: "overview", data: { read: 1 } }]);
    expect(reads).toBe(1);
    const late = await readEvents(await fetch(new URL("/events", url)), (seen) => seen.length === 1);
    expect(late).toEqual([{ event: "overview", data: { read: 2 } }]);
  });

  it("refuses a subscriber over the cap with 503, and ends every stream on close", async () => {
    const events = new EventStream({ maxSubscribers: 1 });
    const { url } = await start({ events });
    const first = await fetch(new URL("/events", url));
    expect(first.status).toBe(200);
    const second = await fetch(new URL("/events", url));
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: string }).error).toMatch(/too many event subscribers/);
    const ended = readEvents(first, () => false);
    await servers.pop()!.close();
    expect(await ended).toEqual([]);
  });

  it("caps the subscribers from one address, so one client cannot take every place", async () => {
    const events = new EventStream({ maxSubscribers: 10, maxPerAddress: 2 });
    const { url } = await start({ events });
    const from = (localAddress: string) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpGet(new URL("/events", url), { localAddress }, resolve);
        request.on("error", reject);
      });
    const held = [await from("127.0.0.1"), await from("127.0.0.1")];
    expect(held.map((r) => r.statusCode)).toEqual([200, 200]);
    const third = await from("127.0.0.1");
    expect(third.statusCode).toBe(503);
    third.resume();
    // Another address still gets in; and a place freed is a place again.
    const other = await from("127.0.0.2");
    expect(other.statusCode).toBe(200);
    expect(events.size).toBe(3);
    held.pop()!.destroy();
    await expect.poll(() => events.size).toBe(2);
    const again = await from("127.0.0.1");
    expect(again.statusCode).toBe(200);
    for (const response of [...held, other, again]) response.destroy();
  });

  it("answers a HEAD with the stream's headers at once, holding no place", async () => {
    const events = new EventStream({
      snapshot: { event: "overview", read: async () => ({}), tickMs: 60_000 },
    });
    const { url } = await start({ events });
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const head = request(new URL("/events", url), { method: "HEAD" }, resolve);
      head.setTimeout(2_000, () => head.destroy(new Error("no answer to HEAD /events within 2 s")));
      head.on("error", reject);
      head.end();
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(events.size).toBe(0);
    answer.destroy();
  });

  it("drops a subscriber that does not read", async () => {
    const events = new EventStream({ maxBufferedBytes: 64 * 1024 });
    const { url } = await start({ events });
    const response = await fetch(new URL("/events", url));
    expect(response.status).toBe(200);
    // Never read: once the socket's buffers are full, writes pile up in the response and it is dropped.
    const big = "x".repeat(64 * 1024);
    for (let i = 0; i < 10_000 && events.size > 0; i++) {
      events.publish("task", { big });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(events.size).toBe(0);
    await response.body?.cancel();
  });
});
