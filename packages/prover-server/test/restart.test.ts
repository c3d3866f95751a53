/**
 * Durability: a server killed (SIGKILL) or stopped mid-job finishes the job at its next start,
 * under the same id, having run the interrupted proof once more and no other proof twice.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { DatabaseInUseError } from "@paas/core";
import { decodeReceipt, verifyReceipt } from "@paas/zkvm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { gatedProgram, sumProgram } from "./fixtures/programs.js";
import {
  call,
  startJobBody,
  startsIn,
  startTestServer,
  type TempDir,
  TOKEN,
  tempDir,
  waitFor,
  waitForJob,
} from "./helpers.js";

const SERVER_PROCESS = path.join(import.meta.dirname, "fixtures/server-process.ts");
const ROOT_TSCONFIG = path.join(import.meta.dirname, "../../../tsconfig.json");

let data: TempDir;
let child: ChildProcess | undefined;

beforeEach(() => {
  data = tempDir();
});

afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
  data.remove();
});

/** A server in a child process (no token: it listens on loopback); resolves with its URL. */
async function startServerProcess(datadir: string): Promise<string> {
  const started = spawn(process.execPath, ["--import", "tsx", SERVER_PROCESS, datadir], {
    env: { ...process.env, TSX_TSCONFIG_PATH: ROOT_TSCONFIG },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child = started;
  const lines = createInterface({ input: started.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    started.once("exit", (code) => reject(new Error(`the server process exited (${code}) before listening`)));
  });
  lines.close();
  return (JSON.parse(first) as { url: string }).url;
}

async function killed(process: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => process.once("exit", resolve));
  process.kill("SIGKILL");
  await exited;
}

it("finishes a job under the same id after the server was killed mid-proof", {
  timeout: 60_000,
}, async () => {
  const startedLog = data.file("started.log");
  const gate = data.file("gate");
  const url = await startServerProcess(data.dir);
  const created = await call(url, "POST", "v1/jobs", {
    token: null,
    body: startJobBody(gatedProgram, { startedLog, gate }, "killed-mid-job"),
  });
  const jobId = created.json.jobId as string;
  await waitFor(
    () => startsIn(startedLog) === 1,
    () => "the guest to start in the first server",
  );
  await killed(child!);

  const server = await startTestServer(data.dir);
  try {
    // It runs again at start: the guest begins a second time, under the same job id.
    await waitFor(
      () => startsIn(startedLog) === 2,
      () => "the guest to start again after the restart",
    );
    expect((await call(server.url, "GET", `v1/jobs/${jobId}`)).json).toMatchObject({
      jobId,
      state: "running",
      attempts: 2,
    });
    writeFileSync(gate, "");
    expect(await waitForJob(server.url, jobId, ["succeeded"])).toMatchObject({
      jobId,
      state: "succeeded",
      attempts: 2,
    });
    const receipt = decodeReceipt((await call(server.url, "GET", `v1/jobs/${jobId}/receipt`)).bytes);
    // The same key file, so the receipt verifies against the key the first server announced.
    verifyReceipt(receipt, { ...gatedProgram, publicKey: server.publicKey });
    expect(gatedProgram.readOutput(receipt.publicValues)).toBe(gate);
    expect(startsIn(startedLog)).toBe(2);
  } finally {
    await server.close();
  }
});

it("fails, retryable, a job whose proof the server died during at three starts, and runs the jobs behind it", {
  timeout: 90_000,
}, async () => {
  // A proof that takes the process down (the kernel's OOM killer) does so at every start: killed
  // from outside here, the same way. One worker: the queued job waits behind it.
  const startedLog = data.file("started.log");
  const gate = data.file("gate");
  let url = await startServerProcess(data.dir);
  const poison = await call(url, "POST", "v1/jobs", {
    token: null,
    body: startJobBody(gatedProgram, { startedLog, gate }, "kills-the-server"),
  });
  const behind = await call(url, "POST", "v1/jobs", {
    token: null,
    body: startJobBody(sumProgram, [2, 3], "queued-behind"),
  });
  for (let start = 1; start <= 3; start++) {
    if (start > 1) url = await startServerProcess(data.dir);
    await waitFor(
      () => startsIn(startedLog) === start,
      () => `the guest to start at server start ${start}`,
    );
    await killed(child!);
  }

  const server = await startTestServer(data.dir);
  try {
    expect(await waitForJob(server.url, behind.json.jobId as string, ["succeeded"])).toMatchObject({
      attempts: 1,
    });
    expect((await call(server.url, "GET", `v1/jobs/${poison.json.jobId}`)).json).toMatchObject({
      jobId: poison.json.jobId,
      state: "failed",
      attempts: 3,
      retryable: true,
      error:
        "the server stopped 3 times while proving this job (killed, perhaps for memory, or restarted): it is not run again here; start it again",
    });
    expect(startsIn(startedLog)).toBe(3);
    // Failed, its requestId starts a new job: the client decides whether to try again.
    const again = await call(server.url, "POST", "v1/jobs", {
      body: startJobBody(gatedProgram, { startedLog, gate }, "kills-the-server"),
    });
    expect(again.status).toBe(201);
  } finally {
    writeFileSync(gate, "");
    await server.close();
  }
});

it("resumes a running and a queued job after a graceful close", { timeout: 60_000 }, async () => {
  const startedLog = data.file("started.log");
  const gate = data.file("gate");
  const first = await startTestServer(data.dir);
  const publicKey = first.publicKey;
  const running = await call(first.url, "POST", "v1/jobs", {
    body: startJobBody(gatedProgram, { startedLog, gate }, "running-at-close"),
  });
  await waitFor(
    () => startsIn(startedLog) === 1,
    () => "the guest to start",
  );
  // One worker: this one waits in the queue.
  const queued = await call(first.url, "POST", "v1/jobs", {
    body: startJobBody(sumProgram, [4, 5], "queued-at-close"),
  });
  expect(queued.json.state).toBe("queued");
  await first.close();

  writeFileSync(gate, "");
  const second = await startTestServer(data.dir);
  try {
    expect(second.publicKey).toBe(publicKey);
    const runningId = running.json.jobId as string;
    const queuedId = queued.json.jobId as string;
    expect(await waitForJob(second.url, runningId, ["succeeded"])).toMatchObject({ attempts: 2 });
    expect(await waitForJob(second.url, queuedId, ["succeeded"])).toMatchObject({ attempts: 1 });
    const receiptBytes = (await call(second.url, "GET", `v1/jobs/${queuedId}/receipt`)).bytes;
    const receipt = decodeReceipt(receiptBytes);
    expect(sumProgram.readOutput(receipt.publicValues)).toBe(9);
    // The requestId still names the succeeded job: no new one.
    const again = await call(second.url, "POST", "v1/jobs", {
      body: startJobBody(sumProgram, [4, 5], "queued-at-close"),
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ state: "succeeded", attempts: 1 });
    const sameReceipt = await call(second.url, "GET", `v1/jobs/${again.json.jobId}/receipt`);
    expect(sameReceipt.bytes).toEqual(receiptBytes);
  } finally {
    await second.close();
  }
});

it("closes while a client's upload stalls, dropping its connection after a grace period", {
  timeout: 30_000,
}, async () => {
  // An input limit this large leaves room for one upload at once, so a refused probe says the
  // stalled upload is being received.
  const server = await startTestServer(data.dir, { maxInputBytes: 256 * 1024 * 1024 });
  const { hostname, port } = new URL(server.url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on("error", () => {});
  const dropped = new Promise((resolve) => socket.once("close", resolve));
  // Headers and the first byte of a body whose rest never comes: a client gone without a FIN.
  socket.write(
    `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
  );
  try {
    const probe = startJobBody(sumProgram, [1], "probe");
    await waitFor(
      async () => (await call(server.url, "POST", "v1/jobs", { body: probe })).status === 503,
      () => "the stalled upload to be received",
    );
    // Node stops timing requests out once its server closes: without a grace period this waited forever.
    await server.close();
    await dropped;
  } finally {
    socket.destroy();
  }
});

it("refuses a second server on the same data directory", async () => {
  const server = await startTestServer(data.dir);
  try {
    await expect(startTestServer(data.dir)).rejects.toThrow(DatabaseInUseError);
    await expect(startTestServer(data.dir)).rejects.toThrow(
      /prover-server\.sqlite is in use by another prover server/,
    );
  } finally {
    await server.close();
  }
  // Once closed, the directory is free again.
  await (await startTestServer(data.dir)).close();
});

it("fails a resumed job whose program the restarted server no longer proves", {
  timeout: 60_000,
}, async () => {
  const startedLog = data.file("started.log");
  const gate = data.file("gate");
  const first = await startTestServer(data.dir);
  await call(first.url, "POST", "v1/jobs", {
    body: startJobBody(gatedProgram, { startedLog, gate }, "blocker"),
  });
  await waitFor(
    () => startsIn(startedLog) === 1,
    () => "the guest to start",
  );
  const queued = await call(first.url, "POST", "v1/jobs", {
    body: startJobBody(sumProgram, [1], "orphaned"),
  });
  await first.close();

  writeFileSync(gate, "");
  const second = await startTestServer(data.dir, { programs: [gatedProgram] });
  try {
    expect(await waitForJob(second.url, queued.json.jobId as string, ["failed"])).toMatchObject({
      jobId: queued.json.jobId,
      state: "failed",
      attempts: 1,
      retryable: false,
      error: `this server no longer proves program "server-test-sum" version "1" (0x${sumProgram.programIdHex})`,
    });
  } finally {
    await second.close();
  }
});
