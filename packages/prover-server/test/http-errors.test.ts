/**
 * The contract's error paths over raw HTTP: what a client that is misconfigured, buggy or hostile
 * gets back. Every error is JSON `{ error, code }` naming what was wrong; none is a 500.
 */
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { REMOTE_PROVER_OPENAPI } from "@paas/zkvm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { gatedProgram, sumProgram } from "./fixtures/programs.js";
import {
  call,
  recordingLogger,
  startJobBody,
  startsIn,
  startTestServer,
  type TempDir,
  TOKEN,
  tempDir,
  waitFor,
  waitForJob,
} from "./helpers.js";

let data: TempDir;
let server: ProverServer;
const MAX_INPUT_BYTES = 4_096;

beforeAll(async () => {
  data = tempDir();
  server = await startTestServer(data.dir, { maxInputBytes: MAX_INPUT_BYTES });
});

afterAll(async () => {
  await server?.close();
  data?.remove();
});

describe("the bearer token", () => {
  it.each([
    ["GET", "v1/info"],
    ["POST", "v1/jobs"],
    ["GET", "v1/jobs/abc"],
    ["DELETE", "v1/jobs/abc"],
    ["GET", "v1/jobs/abc/receipt"],
    ["GET", "v1/nothing-here"],
  ])("is required by %s /%s", async (method, route) => {
    const missing = await call(server.url, method, route, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      error: "missing bearer token: send Authorization: Bearer <token>",
      code: "UNAUTHORIZED",
    });
    const wrong = await call(server.url, method, route, { token: "not-the-token-at-all" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe("the bearer token is not accepted by this server");
  });

  it("is not needed for the OpenAPI document, which is the contract's", async () => {
    const answer = await call(server.url, "GET", "openapi.json", { token: null });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(JSON.parse(JSON.stringify(REMOTE_PROVER_OPENAPI)));
  });
});

describe("the Host header", () => {
  const post = (host: string) =>
    rawStatus(
      `POST /v1/jobs HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );

  it("on loopback, refuses a name a page could have rebound to 127.0.0.1, before anything runs", async () => {
    expect(await post("attacker.example")).toBe(403);
    const { port } = new URL(server.url);
    expect(await post(`attacker.example:${port}`)).toBe(403);
    // A loopback name reaches the route, which then answers the empty body.
    expect(await post(`localhost:${port}`)).toBe(400);
    expect(await post(`127.0.0.1:${port}`)).toBe(400);
  });

  it("answers the names it is given besides loopback ones", async () => {
    const other = tempDir();
    const proxied = await startTestServer(other.dir, { allowedHosts: ["prover.internal"] });
    try {
      const answer = await rawStatus(
        `GET /v1/info HTTP/1.1\r\nHost: prover.internal\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
        proxied.url,
      );
      expect(answer).toBe(200);
    } finally {
      await proxied.close();
      other.remove();
    }
  });
});

describe("a malformed start request", () => {
  const good = () => startJobBody(sumProgram, [1], "r");
  it.each([
    ["no body", undefined, "body: is required"],
    ["an array", [], "body: must be a JSON object { program, input, requestId, jobId? }"],
    ["no program", { ...good(), program: undefined }, "program: is required"],
    [
      "a program id in upper case",
      { ...good(), program: { ...good().program, programId: "AB".repeat(32) } },
      "program.programId: must be 64 lower-case hex digits",
    ],
    [
      "an empty program name",
      { ...good(), program: { ...good().program, name: "" } },
      "program.name: must not be empty",
    ],
    [
      "an extra program field",
      { ...good(), program: { ...good().program, zkvm: "sp1" } },
      "program.zkvm: is not a field of this request",
    ],
    [
      "input that is not base64",
      { ...good(), input: "not base64!" },
      "input: is not base64 (standard alphabet, padded)",
    ],
    ["input that is a number", { ...good(), input: 7 }, "input: must be a base64 string"],
    ["no requestId", { ...good(), requestId: undefined }, "requestId: is required"],
    [
      "a requestId too long",
      { ...good(), requestId: "r".repeat(129) },
      "requestId: must be at most 128 characters",
    ],
    ["an extra field", { ...good(), priority: 1 }, "priority: is not a field of this request"],
  ])("is refused with 400 naming the field: %s", async (_what, body, error) => {
    const answer = await call(server.url, "POST", "v1/jobs", {
      body: body === undefined ? undefined : JSON.parse(JSON.stringify(body)),
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error, code: "INVALID_REQUEST" });
  });

  it("is refused with 400 when the body is not JSON, and 415 when it says it is something else", async () => {
    const broken = await call(server.url, "POST", "v1/jobs", { body: '{"program": ' });
    expect(broken.status).toBe(400);
    expect(broken.json).toEqual({ error: "body: not valid JSON", code: "INVALID_REQUEST" });
    for (const contentType of ["application/xml", "text/plain"]) {
      const other = await call(server.url, "POST", "v1/jobs", { body: "<job/>", contentType });
      expect(other.status).toBe(415);
      expect(other.json).toEqual({ error: "body: send it as application/json", code: "INVALID_REQUEST" });
    }
  });

  it("is refused with 400 when it tries prototype pollution", async () => {
    const body = JSON.stringify(good()).replace(/^\{/, '{"__proto__": {"admin": true},');
    const answer = await call(server.url, "POST", "v1/jobs", { body });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe("INVALID_REQUEST");
  });
});

describe("oversize input", () => {
  it("is refused with 413 when the body exceeds the limit", async () => {
    const body = startJobBody(sumProgram, [1], "big");
    const answer = await call(server.url, "POST", "v1/jobs", {
      body: { ...body, input: Buffer.alloc(MAX_INPUT_BYTES * 8).toString("base64") },
    });
    expect(answer.status).toBe(413);
    expect(answer.json.code).toBe("INPUT_TOO_LARGE");
    expect(answer.json.error).toMatch(
      /^body: more than this server's limit of \d+ bytes \(an input of up to 4096 bytes/,
    );
  });

  it("is refused with 413 when the decoded input exceeds the limit though the body fits", async () => {
    const body = startJobBody(sumProgram, [1], "just-over");
    const answer = await call(server.url, "POST", "v1/jobs", {
      body: { ...body, input: Buffer.alloc(MAX_INPUT_BYTES + 1).toString("base64") },
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({
      error: `input: ${MAX_INPUT_BYTES + 1} bytes, more than this server's limit of ${MAX_INPUT_BYTES}`,
      code: "INPUT_TOO_LARGE",
    });
  });
});

describe("jobs", () => {
  it("answers 201 for a new job and 200 for the live one of the same requestId", async () => {
    const body = startJobBody(sumProgram, [3], "created-then-found");
    const created = await call(server.url, "POST", "v1/jobs", { body });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      jobId: expect.any(String),
      state: "queued",
      requestId: "created-then-found",
      programId: sumProgram.programIdHex,
      attempts: 0,
    });
    const found = await call(server.url, "POST", "v1/jobs", { body });
    expect(found.status).toBe(200);
    // Its own handle on the same job: a cancel through one leaves the other's proof running.
    expect(found.json).toMatchObject({ requestId: "created-then-found", programId: sumProgram.programIdHex });
    expect(found.json.jobId).not.toBe(created.json.jobId);
    await waitForJob(server.url, created.json.jobId as string, ["succeeded"]);
    await waitForJob(server.url, found.json.jobId as string, ["succeeded"]);
  });

  it("answers 404 for an unknown program", async () => {
    const body = startJobBody(sumProgram, [1], "unknown-program");
    const answer = await call(server.url, "POST", "v1/jobs", {
      body: { ...body, program: { ...body.program, programId: "0".repeat(64) } },
    });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      error: `this server does not prove program "server-test-sum" version "1" (0x${"0".repeat(64)})`,
      code: "UNKNOWN_PROGRAM",
    });
  });

  it.each([
    ["GET", "v1/jobs/unknown-job"],
    ["DELETE", "v1/jobs/unknown-job"],
    ["GET", "v1/jobs/unknown-job/receipt"],
  ])("answers 404 for an unknown job: %s /%s", async (method, route) => {
    const answer = await call(server.url, method, route);
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: "no such job on this server", code: "JOB_NOT_FOUND" });
  });

  it("answers 400 for a job id the contract does not allow", async () => {
    const answer = await call(server.url, "GET", "v1/jobs/a.b");
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: "jobId: must be letters, digits, '_' or '-'",
      code: "INVALID_REQUEST",
    });
    const long = await call(server.url, "GET", `v1/jobs/${"a".repeat(129)}`);
    expect(long.json.error).toBe("jobId: must be at most 128 characters");
  });

  it("answers 409 for the receipt of a job that has not succeeded, then the receipt bytes", async () => {
    const startedLog = data.file("409-started.log");
    const gate = data.file("409-gate");
    const created = await call(server.url, "POST", "v1/jobs", {
      body: startJobBody(gatedProgram, { startedLog, gate }, "receipt-early"),
    });
    const jobId = created.json.jobId as string;
    await waitFor(
      () => startsIn(startedLog) === 1,
      () => "the gated guest to start",
    );
    const early = await call(server.url, "GET", `v1/jobs/${jobId}/receipt`);
    expect(early.status).toBe(409);
    expect(early.json).toEqual({
      error: `job ${jobId} is running: no receipt until it succeeds`,
      code: "RECEIPT_NOT_READY",
    });

    writeFileSync(gate, "");
    await waitForJob(server.url, jobId, ["succeeded"]);
    const receipt = await call(server.url, "GET", `v1/jobs/${jobId}/receipt`);
    expect(receipt.status).toBe(200);
    expect(receipt.type).toBe("application/octet-stream");
    expect(receipt.bytes.length).toBeGreaterThan(64);
  });
});

describe("many uploads at once", () => {
  it("answers 503 with Retry-After beyond the uploads it may buffer, before reading the body", async () => {
    // A server whose input limit makes each body ~134 MB buffers three at once (512 MiB).
    const dir = tempDir();
    const log = recordingLogger();
    const busy = await startTestServer(dir.dir, { maxInputBytes: 96 * 1024 * 1024, logger: log.logger });
    const { hostname, port } = new URL(busy.url);
    const held = Array.from({ length: 3 }, () => {
      const socket = connect({ host: hostname, port: Number(port) });
      // Headers and a first byte of a large body, the rest never sent: the upload stays open.
      socket.write(
        `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{",
      );
      return socket;
    });
    try {
      const probe = startJobBody(sumProgram, [1], "probe");
      await waitFor(
        async () => (await call(busy.url, "POST", "v1/jobs", { body: probe })).status === 503,
        () => "the three uploads to be received",
      );
      const body = startJobBody(sumProgram, [1], "fourth");
      const refused = await fetch(new URL("v1/jobs", busy.url), {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(await refused.json()).toEqual({
        error: "3 job uploads are being received already (this server's limit); send again shortly",
        code: "SERVER_BUSY",
      });
      // Asking a client to come back is the server working as it should, not a failure of it.
      expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
      // Reads are not uploads; and an upload that ends frees its place.
      expect((await call(busy.url, "GET", "v1/info")).status).toBe(200);
      held.pop()!.destroy();
      await waitFor(
        async () => (await call(busy.url, "POST", "v1/jobs", { body })).status === 201,
        () => "a place for the fourth upload",
      );
    } finally {
      for (const socket of held) socket.destroy();
      await busy.close();
      dir.remove();
    }
  });
});

describe("a client that stops reading", () => {
  it("has its connection cut once its answers have waited too long, token or not", async () => {
    const dir = tempDir();
    const slow = await startTestServer(dir.dir, { answerTimeoutMs: 1_000 });
    const { hostname, port } = new URL(slow.url);
    // Requests that need no token, pipelined: their answers fill the system's socket buffers, and
    // the rest wait in the server's memory for a client that never reads them.
    const requests = 2_000;
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(requests));
    });
    socket.pause();
    socket.on("error", () => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      let answers = 0;
      let tail = "";
      socket.on("data", (chunk: Buffer) => {
        const text = tail + chunk.toString("latin1");
        answers += text.split("HTTP/1.1 200").length - 1;
        tail = text.slice(-16);
      });
      const closed = new Promise<boolean>((resolve) => {
        socket.once("close", () => resolve(true));
        setTimeout(() => resolve(false), 5_000).unref();
      });
      socket.resume();
      expect(await closed, "the connection is cut").toBe(true);
      expect(answers).toBeLessThan(requests);
    } finally {
      socket.destroy();
      await slow.close();
      dir.remove();
    }
  });
});

describe("connections opened and left silent", () => {
  it("cannot lock clients out: past the cap the one idle the longest goes, an upload under way stays", async () => {
    const dir = tempDir();
    const crowded = await startTestServer(dir.dir);
    const { hostname, port } = new URL(crowded.url);
    const opened: ReturnType<typeof connect>[] = [];
    const open = (write?: string) =>
      new Promise<ReturnType<typeof connect>>((resolve) => {
        const socket = connect({ host: hostname, port: Number(port) }, () => {
          if (write !== undefined) socket.write(write);
          resolve(socket);
        });
        socket.on("error", () => undefined);
        opened.push(socket);
      });
    try {
      // An upload whose body is half sent when the crowd arrives.
      const body = JSON.stringify(startJobBody(sumProgram, [1], "during-the-crowd"));
      const half = Math.floor(body.length / 2);
      const uploadAnswer: string[] = [];
      const upload = await open(
        `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
      );
      upload.on("data", (chunk: Buffer) => uploadAnswer.push(chunk.toString("latin1")));
      await new Promise((resolve) => setTimeout(resolve, 200));

      // More silent sockets than the server keeps, which take no token to open.
      const crowd = await Promise.all(Array.from({ length: 300 }, () => open()));
      const closedByServer = () => crowd.filter((socket) => socket.destroyed).length;
      await waitFor(
        async () => closedByServer() >= 300 + 1 - 256,
        () => `the server to close the sockets past its cap (${closedByServer()} closed)`,
      );

      expect((await call(crowded.url, "GET", "v1/info")).status).toBe(200);
      const ended = new Promise((resolve) => upload.once("close", resolve));
      upload.write(body.slice(half));
      await ended;
      expect(uploadAnswer.join("")).toMatch(/^HTTP\/1\.1 201 /);
    } finally {
      for (const socket of opened) socket.destroy();
      await crowded.close();
      dir.remove();
    }
  });
});

describe("a full queue", () => {
  it("answers 503 for a new job once the queued inputs reach their limit, and takes it again as work drains", async () => {
    const dir = tempDir();
    const log = recordingLogger();
    const small = await startTestServer(dir.dir, {
      maxInputBytes: 4_096,
      maxQueuedInputBytes: 8_192,
      logger: log.logger,
    });
    try {
      // The one worker is held by a gated guest, so what follows stays queued.
      const startedLog = dir.file("queue-started.log");
      const gate = dir.file("queue-gate");
      await call(small.url, "POST", "v1/jobs", {
        body: startJobBody(gatedProgram, { startedLog, gate }, "holder"),
      });
      await waitFor(
        () => startsIn(startedLog) === 1,
        () => "the gated guest to start",
      );
      const job = (requestId: string) => ({
        body: { ...startJobBody(sumProgram, [1], requestId), input: Buffer.alloc(3_000).toString("base64") },
      });
      expect((await call(small.url, "POST", "v1/jobs", job("q1"))).status).toBe(201);
      expect((await call(small.url, "POST", "v1/jobs", job("q2"))).status).toBe(201);
      const full = await call(small.url, "POST", "v1/jobs", job("q3"));
      expect(full.status).toBe(503);
      expect(full.json).toEqual({
        error:
          "the queued jobs hold 6000 bytes of input, and this one would pass this server's limit of 8192; send again once work drains",
        code: "SERVER_BUSY",
      });
      expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
      expect(log.lines).toContainEqual(
        expect.objectContaining({ level: "debug", fields: expect.objectContaining({ status: 503 }) }),
      );
      // A job already queued is still found: asking again is no new work.
      expect((await call(small.url, "POST", "v1/jobs", job("q1"))).status).toBe(200);
      writeFileSync(gate, "");
      await waitFor(
        async () => (await call(small.url, "POST", "v1/jobs", job("q3"))).status === 201,
        () => "room in the queue",
      );
    } finally {
      await small.close();
      dir.remove();
    }
  });
});

describe("odd requests", () => {
  it("answers an unknown route with 404 JSON", async () => {
    const answer = await call(server.url, "GET", "v2/jobs");
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: "GET /v2/jobs: no such route", code: "NOT_FOUND" });
    const long = await call(server.url, "GET", `v2/${"a".repeat(10_000)}?token=${TOKEN}`);
    expect(long.status).toBe(404);
    expect(long.json.error).toBe(`GET /v2/${"a".repeat(96)}: no such route`);
  });

  it("answers a URL it cannot route in the contract's shape, without echoing it, after the Host check", async () => {
    const bad = await rawAnswer(
      `GET /v1/jobs/%ff%fe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      error: "request: not a valid URL (FST_ERR_BAD_URL)",
      code: "INVALID_REQUEST",
    });
    const foreign = await rawAnswer(
      `GET /v1/jobs/%ff%fe HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ code: "FOREIGN_HOST" });
  });

  it.each(["//v1/info", "/v1/jobs/%zz", "*", "/v1/jobs/%00"])(
    "answers %s with a 4xx, never a 500",
    async (target) => {
      const status = await rawStatus(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    },
  );
});

/** The status code of a hand-written HTTP request: fetch would normalise the odd targets away. */
async function rawStatus(request: string, url = server.url): Promise<number> {
  return (await rawAnswer(request, url)).status;
}

/** The status and body of a hand-written HTTP request (sent with `Connection: close`). */
function rawAnswer(request: string, url = server.url): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(request));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0),
        body: answer.slice(answer.indexOf("\r\n\r\n") + 4),
      }),
    );
  });
}
