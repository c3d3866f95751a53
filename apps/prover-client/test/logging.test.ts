import { spawn } from "node:child_process";
import fs, { mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PaasError, PermanentError, TaskNotFoundError, TransientError } from "@paas/core";
import { createJsonRpcServer, defineMethod, type JsonRpcServer } from "@paas/jsonrpc";
import pg from "pg";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { z } from "zod";
import { captureLogger, childEnv, type LogLine } from "../scenarios/app.js";
import { logActions } from "../src/logging/action-log.js";
import { createLogger } from "../src/logging/logger.js";
import { logRpcErrors } from "../src/logging/rpc-error-log.js";
import { logServiceErrors } from "../src/logging/service-error-log.js";
import { logTransitions } from "../src/logging/transition-log.js";

const LOG_TO_FILE = path.join(import.meta.dirname, "fixtures/log-to-file.ts");

function loggerAt(clock: { now: number }) {
  const written: LogLine[] = [];
  const logger = createLogger({
    level: "debug",
    pretty: false,
    repeatWindowMs: 30_000,
    now: () => clock.now,
    destination: { write: (line) => written.push(JSON.parse(line) as LogLine) },
  });
  return { logger, written };
}

describe("the app's logger", () => {
  it("writes a repeated warning or error once per window, then how many it left out", () => {
    const clock = { now: 0 };
    const { logger, written } = loggerAt(clock);
    for (let i = 0; i < 5; i++) {
      logger.warn({ error: "connect ECONNREFUSED 127.0.0.1:8545" }, "checkpoint runner tick failed");
      clock.now += 1_000;
    }
    logger.warn({ error: "timeout after 10000 ms" }, "checkpoint runner tick failed");
    logger.error(new Error("disk full"), "cannot write");
    logger.error(new Error("disk full"), "cannot write");
    expect(written.map((l) => [l.msg, l.error ?? (l.err as { message: string })?.message])).toEqual([
      ["checkpoint runner tick failed", "connect ECONNREFUSED 127.0.0.1:8545"],
      ["checkpoint runner tick failed", "timeout after 10000 ms"],
      ["cannot write", "disk full"],
    ]);
    clock.now += 30_000;
    logger.warn({ error: "connect ECONNREFUSED 127.0.0.1:8545" }, "checkpoint runner tick failed");
    logger.error(new Error("disk full"), "cannot write");
    expect(written.slice(3).map((l) => [l.msg, l.suppressed])).toEqual([
      ["checkpoint runner tick failed", 4],
      ["cannot write", 1],
    ]);
    expect((written[4]!.err as { message: string }).message).toBe("disk full");
  });

  it("does not limit lines below warn", () => {
    const { logger, written } = loggerAt({ now: 0 });
    for (let i = 0; i < 3; i++) logger.info({ index: 1 }, "checkpoint submitted");
    expect(written).toHaveLength(3);
  });
});

describe("task transitions in the log", () => {
  const retry = (id: string, kind: string, error: string) => ({
    id,
    kind,
    backend: "native",
    context: { kind },
    from: "proving" as const,
    to: "transient_failure" as const,
    at: 0,
    retryCount: 1,
    error,
  });

  it("writes a kind's retries failing alike once per window, not once per task, then how many it left out", () => {
    const clock = { now: 0 };
    const { logger, written } = loggerAt(clock);
    const log = logTransitions(logger, { repeatWindowMs: 30_000, now: () => clock.now });
    const down = "eth_chainId: http://127.0.0.1:8545 unreachable (ECONNREFUSED)";
    for (let i = 0; i < 200; i++) {
      log(retry(`${i}`.padStart(32, "0"), "evm-ee-stf", down));
      clock.now += 100;
    }
    log(retry("a".repeat(32), "cl-stf", down));
    log(retry("b".repeat(32), "evm-ee-stf", "block 7 is not the one the context names"));
    log({ ...retry("c".repeat(32), "evm-ee-stf", down), to: "permanent_failure" });
    expect(written.map((l) => [l.msg, l.kind, l.task])).toEqual([
      ["task will retry", "evm-ee-stf", "0".repeat(32)],
      ["task will retry", "cl-stf", "a".repeat(32)],
      ["task will retry", "evm-ee-stf", "b".repeat(32)],
      ["task failed", "evm-ee-stf", "c".repeat(32)],
    ]);
    clock.now += 30_000;
    log(retry("d".repeat(32), "evm-ee-stf", down));
    expect(written.at(-1)).toMatchObject({ task: "d".repeat(32), error: down, suppressed: 199 });
  });

  it("writes a task waiting for the chain at debug, however its words change at each check", () => {
    const { logger, written } = loggerAt({ now: 0 });
    const log = logTransitions(logger);
    for (let latest = 73; latest < 79; latest++) {
      log({
        ...retry(
          "e".repeat(32),
          "checkpoint",
          `checkpoint 79 does not exist yet (the CL's latest is ${latest})`,
        ),
        from: "pending",
        retryCount: 0,
        waiting: true,
      });
    }
    expect(written.map((l) => [l.level, l.msg])).toEqual(Array(6).fill([20, "task waits for the chain"]));
    expect(written[0]).toMatchObject({ reason: "checkpoint 79 does not exist yet (the CL's latest is 73)" });
  });
});

describe("JSON-RPC errors in the log", () => {
  let server: JsonRpcServer | undefined;
  afterEach(async () => server?.close());

  it("logs the caller's mistakes at debug without a stack, the server's own failures at error with one", async () => {
    const { logger, lines } = captureLogger();
    server = createJsonRpcServer({
      port: 0,
      onError: logRpcErrors(logger),
      methods: {
        status: { handler: async () => Promise.reject(new TaskNotFoundError("0".repeat(32))) },
        // What paas_retryTask answers for a task that has not failed: the caller's mistake too.
        retry: {
          handler: async () =>
            Promise.reject(
              new PaasError(
                "INVALID_TRANSITION",
                "task 00 is completed: only a task that failed permanently or was cancelled can be retried",
              ),
            ),
        },
        proveLatest: { handler: async () => Promise.reject(new TransientError("the CL is unreachable")) },
        // paas_proveCheckpoint publishing a stored proof again, which the CL refuses: its answer, no bug.
        publish: {
          handler: async () =>
            Promise.reject(new PermanentError("the CL rejected the proof of checkpoint 3: bad signature")),
        },
        report: { handler: async () => Promise.reject(new Error("cannot read properties of undefined")) },
      },
    });
    await server.listen();
    for (const method of ["status", "retry", "nope", "proveLatest", "publish", "report"]) {
      await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method }),
      });
    }
    const byMethod = new Map(lines().map((line) => [line.method, line]));
    expect(byMethod.get("status")).toMatchObject({ level: 20, code: -32010, msg: "RPC call refused" });
    expect(byMethod.get("retry")).toMatchObject({ level: 20, code: -32016, msg: "RPC call refused" });
    expect(byMethod.get("nope")).toMatchObject({ level: 20, code: -32601 });
    expect(byMethod.get("proveLatest")).toMatchObject({ level: 40, error: "the CL is unreachable" });
    expect(byMethod.get("publish")).toMatchObject({ level: 40, code: -32005, msg: "RPC call failed" });
    expect(byMethod.get("report")).toMatchObject({ level: 50, msg: "RPC method failed" });
    expect((byMethod.get("report")!.err as { stack: string }).stack).toMatch(/\n\s+at /);
    for (const method of ["status", "retry", "nope", "proveLatest", "publish"]) {
      expect(JSON.stringify(byMethod.get(method))).not.toMatch(/\\n\s+at /);
    }
  });
});

describe("state-changing calls in the log", () => {
  let server: JsonRpcServer | undefined;
  afterEach(async () => server?.close());

  it("writes one info line per action, with what it did and where the call came from, never the token", async () => {
    const token = "an-operator-token-0123456789";
    const { logger, lines } = captureLogger();
    const actions = logActions(logger);
    server = createJsonRpcServer({
      port: 0,
      auth: { bearerToken: token },
      onError: logRpcErrors(logger),
      methods: {
        cancelMany: defineMethod({
          params: z.tuple([z.object({ kind: z.string() })]),
          mutates: true,
          handler([filter], call) {
            const result = { matched: 3, changed: 2 };
            actions(call, { filter, ...result });
            return result;
          },
        }),
      },
    });
    await server.listen();
    for (const authorization of [`Bearer ${token}`, "Bearer wrong"]) {
      await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "cancelMany", params: [{ kind: "leaf" }] }),
      });
    }
    expect(lines().map(({ level, msg }) => [level, msg])).toEqual([
      [30, "RPC action"],
      [20, "RPC call refused"],
    ]);
    expect(lines()[0]).toMatchObject({
      method: "cancelMany",
      filter: { kind: "leaf" },
      matched: 3,
      changed: 2,
      remoteAddress: "127.0.0.1",
    });
    expect(JSON.stringify(lines())).not.toContain(token);
  });
});

describe("background failures in the log", () => {
  it("writes an unexpected failure every task's step meets once per window, naming the loop in `where`", () => {
    const { logger, written } = loggerAt({ now: 0 });
    const revoked = Object.assign(new Error("permission denied for table tasks"), { code: "42501" });
    for (const task of ["1", "2", "3"]) logServiceErrors(logger)(revoked, `prove of task ${task.repeat(32)}`);
    expect(written).toEqual([
      expect.objectContaining({
        level: 50,
        msg: "unexpected error in the prover service",
        where: `prove of task ${"1".repeat(32)}`,
        err: expect.objectContaining({ message: "permission denied for table tasks" }),
      }),
    ]);
  });

  it("says once, at info, that the task database answers again after an outage, and how long it lasted", () => {
    const clock = { now: Date.parse("2026-12-06T06:00:00.000Z") };
    const { logger, written } = loggerAt(clock);
    const log = logServiceErrors(logger, () => clock.now);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    log.answered(); // a heartbeat with no outage: nothing to say
    log(refused, "scheduler tick");
    clock.now += 4_000;
    log(refused, "lease heartbeat");
    clock.now += 8_000;
    log.answered();
    log.answered(); // the next heartbeats: the outage is over already
    expect(written.map((l) => [l.level, l.msg])).toEqual([
      [40, "the task database cannot be reached; retrying"],
      [30, "the task database answers again"],
    ]);
    expect(written[1]).toMatchObject({ outageMs: 12_000, since: "2026-12-06T06:00:00.000Z" });
  });

  it("says a database host whose name does not resolve (DNS down, a service being rescheduled) in one warning, without a stack", async () => {
    // `.invalid` never resolves (RFC 2606): the driver's own error, as every loop meets it.
    const client = new pg.Client({ connectionString: "postgres://paas:secret@paas-db.invalid:5432/paas" });
    const unresolved = await client.connect().then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(unresolved?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    const { logger, written } = loggerAt({ now: 0 });
    logServiceErrors(logger)(unresolved, "scheduler tick");
    logServiceErrors(logger)(unresolved, "claiming task 0123");
    expect(written).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "the task database cannot be reached; retrying",
        where: "scheduler tick",
        error: unresolved!.message,
        code: unresolved!.code,
      }),
    ]);
  });
  it("says a full task database (SQLITE_FULL) in one warning, without a stack, and when it takes writes again", () => {
    const clock = { now: Date.parse("2026-12-06T06:00:00.000Z") };
    const { logger, written } = loggerAt(clock);
    const log = logServiceErrors(logger, () => clock.now);
    // better-sqlite3's error for a write the full disk refused, as every loop meets it.
    const full = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    log(full, "cluster heartbeat");
    log(full, "scheduler tick");
    clock.now += 30_000;
    log.answered();
    expect(written).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "the task database is full (free space on its disk); retrying",
        where: "cluster heartbeat",
        error: "database or disk is full",
        code: "SQLITE_FULL",
      }),
      expect.objectContaining({ level: 30, msg: "the task database answers again", outageMs: 30_000 }),
    ]);
  });
});

describe("the log file on a full disk", () => {
  /** The fixture logging to /dev/full: every write to it fails with ENOSPC, as on a full disk. */
  async function logToFullDisk(...args: string[]) {
    const child = spawn(
      process.execPath,
      ["--conditions=@paas/source", "--import", "tsx", LOG_TO_FILE, "/dev/full", ...args],
      { env: childEnv({ TSX_DISABLE_CACHE: "1" }), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => {
      // A process that hangs (retrying the write for good at exit) is killed, and fails the test.
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("close", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, stdout, stderr };
  }

  it("says once that the log file cannot be written, keeps running, and exits when told", async () => {
    const { code, stdout, stderr } = await logToFullDisk();
    expect({ code, stdout }).toEqual({ code: 0, stdout: "still running\n" });
    expect(stderr).toBe(
      "cannot write the log file /dev/full (ENOSPC: no space left on device, write): its lines are held until it can be written\n",
    );
  }, 30_000);

  it("exits when it exits before its first write to the full disk has come back", async () => {
    // Its exit handler wrote the held line synchronously, retrying every 100 ms for good: the
    // refusal that would have stopped it had not been heard yet.
    expect(await logToFullDisk("exit-at-once")).toMatchObject({ code: 0, stdout: "exiting\n" });
  }, 30_000);

  it("writes its lines again once the disk has space, after holding as many as it may", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "paas-log-file-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "prover-client.log");
    let full = true;
    const write = fs.write;
    const refuse = vi.spyOn(fs, "write").mockImplementation(((fd: number, ...args: unknown[]) => {
      const done = args.at(-1) as (error: Error | null, written?: number) => void;
      if (full && readlinkSync(`/proc/self/fd/${fd}`) === file) {
        const error = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        setImmediate(() => done(error));
        return;
      }
      return (write as (...all: unknown[]) => void)(fd, ...args);
    }) as typeof fs.write);
    const said = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => {
      refuse.mockRestore();
      said.mockRestore();
    });
    const logger = createLogger({ level: "info", pretty: false, file });
    // More than the 16 MiB held while the disk is full.
    for (let i = 0; i < 20_000; i++)
      logger.info({ i, filler: "x".repeat(1_000) }, "a line while the disk is full");
    await new Promise((resolve) => setTimeout(resolve, 100));
    full = false;
    const deadline = Date.now() + 10_000;
    while (!readFileSync(file, "utf8").includes("a line once it has space")) {
      if (Date.now() > deadline) throw new Error("the log file was not written again");
      // Longer than any room left under the cap: a line that fits would start a write by itself.
      logger.info({ filler: "x".repeat(2_000) }, "a line once it has space");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);
});
