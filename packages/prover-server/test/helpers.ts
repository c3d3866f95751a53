import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PluginLogger } from "@paas/core";
import { HttpRemoteProver, InputWriter, type Program, RemoteHost } from "@paas/zkvm";
import { afterEach, beforeEach } from "vitest";
import { type ProverServer, type ProverServerOptions, startProverServer } from "../src/index.js";
import { gatedProgram, TEST_PROGRAMS } from "./fixtures/programs.js";

export const TOKEN = "server-test-token-0123456789";

export interface TempDir {
  readonly dir: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), "paas-prover-server-"));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A logger that keeps every line it is given, with its level, in order. */
export function recordingLogger(): {
  logger: PluginLogger;
  lines: { level: string; fields: object; message: string }[];
} {
  const lines: { level: string; fields: object; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

/** A server on loopback with the test programs, one worker and the test token. */
export function startTestServer(
  datadir: string,
  options: Partial<ProverServerOptions> = {},
): Promise<ProverServer> {
  return startProverServer({ datadir, workers: 1, token: TOKEN, programs: TEST_PROGRAMS, ...options });
}

/**
 * A data directory for each test of the file (`data()`), and every server a test starts in it
 * through `start` closed after the test, passed or failed, before the directory is removed (a
 * server's `close` runs once, so one the test closed itself is closed again for nothing).
 */
export function serverPerTest(): {
  readonly data: () => TempDir;
  start(options?: Partial<ProverServerOptions>): Promise<ProverServer>;
} {
  let data: TempDir | undefined;
  const started: ProverServer[] = [];
  beforeEach(() => {
    data = tempDir();
  });
  afterEach(async () => {
    for (const server of started.splice(0)) await server.close();
    data?.remove();
  });
  return {
    data: () => data!,
    async start(options) {
      const server = await startTestServer(data!.dir, options);
      started.push(server);
      return server;
    },
  };
}

/** The prover client's remote backend against `server`, trusting its key, polling every 50 ms. */
export function remoteHostOf(server: ProverServer): RemoteHost {
  return new RemoteHost({
    backend: "prover-net",
    prover: new HttpRemoteProver({ url: server.url, token: TOKEN }),
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
  });
}

/** How the contract names a program: name, version and id. */
export function programRef(program: Program<never, unknown>) {
  return { name: program.name, version: program.version, programId: program.programIdHex };
}

/**
 * Starts a job of the gated program (its guest runs until `gate` exists, or `gate` is never made)
 * and waits until its guest runs; `startedLog` counts its starts.
 */
export async function startGatedJob(
  prover: HttpRemoteProver,
  data: TempDir,
  requestId: string,
): Promise<{ jobId: string; gate: string; startedLog: string }> {
  const startedLog = data.file(`${requestId}-started.log`);
  const gate = data.file(`${requestId}-gate`);
  const jobId = await prover.start({
    program: programRef(gatedProgram),
    input: encodedInput(gatedProgram, { startedLog, gate }),
    requestId,
  });
  await waitFor(
    () => startsIn(startedLog) === 1,
    () => `the gated guest of ${requestId} to start`,
  );
  return { jobId, gate, startedLog };
}

/** A program's guest input, framed as `writeInput` writes it. */
export function encodedInput<I>(program: Program<I, unknown>, input: I): Uint8Array {
  const writer = new InputWriter();
  program.writeInput(input, writer);
  return writer.toBytes();
}

/** The body of `POST /v1/jobs`. */
export function startJobBody<I>(program: Program<I, unknown>, input: I, requestId: string) {
  return {
    program: { name: program.name, version: program.version, programId: program.programIdHex },
    input: Buffer.from(encodedInput(program, input)).toString("base64"),
    requestId,
  };
}

export interface Answer {
  readonly status: number;
  readonly type: string;
  readonly bytes: Uint8Array;
  /** The parsed body when it is JSON. */
  readonly json: Record<string, unknown>;
}

/**
 * One raw HTTP request. `token: null` sends no Authorization header; `body` is sent as JSON, a
 * string body as is (with `contentType`, default application/json).
 */
export async function call(
  baseUrl: string,
  method: string,
  route: string,
  options: { body?: unknown; token?: string | null; contentType?: string } = {},
): Promise<Answer> {
  const token = options.token === undefined ? TOKEN : options.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = options.contentType ?? "application/json";
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(new URL(route, baseUrl), { method, headers, body });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get("content-type") ?? "";
  const json = type.includes("application/json") ? JSON.parse(new TextDecoder().decode(bytes)) : {};
  return { status: response.status, type, bytes, json };
}

/** Polls a job until its state is one of `states`; fails, naming the last state, after `timeoutMs`. */
export async function waitForJob(
  baseUrl: string,
  jobId: string,
  states: readonly string[],
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> = {};
  await waitFor(
    async () => {
      last = (await call(baseUrl, "GET", `v1/jobs/${jobId}`)).json;
      return states.includes(last.state as string);
    },
    () => `job ${jobId} to be ${states.join(" or ")} (it is ${JSON.stringify(last)})`,
    timeoutMs,
  );
  return last;
}

/** Lines in a guest's started log: how many times its proof began. */
export function startsIn(file: string): number {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
