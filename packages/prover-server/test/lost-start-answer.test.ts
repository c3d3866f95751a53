/**
 * A start that reached the server but whose answer never reached the client (a reset connection, a
 * client's timeout): the server has the job, the client does not know its id. Retried — by the
 * HTTP client, or by the task's next attempt — it must be the same start, not a second handle on
 * the proof: a handle the client never learned of could never be cancelled, and it kept the proof
 * running, holding a worker, after the task that wanted it was cancelled.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { TaskCancelledError, TransientError } from "@paas/core";
import { HttpRemoteProver, RemoteHost } from "@paas/zkvm";
import { afterEach, expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { gatedProgram, sumProgram } from "./fixtures/programs.js";
import {
  call,
  encodedInput,
  programRef,
  serverPerTest,
  startJobBody,
  startsIn,
  TOKEN,
  waitFor,
} from "./helpers.js";

const { start, data } = serverPerTest();
const relays: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of relays.splice(0)) await close();
});

/**
 * A relay on loopback in front of `target` that passes each request on and, for the first `drops`
 * job starts, waits for the server's whole answer and then resets the client's connection instead
 * of passing it back: the job is started, and the client never hears so.
 */
async function lossyRelay(target: string, drops: number): Promise<{ url: string; dropped: () => number }> {
  const upstream = new URL(target);
  let dropped = 0;
  const server = createServer((req, res) => {
    const drop = req.method === "POST" && req.url === "/v1/jobs" && dropped < drops;
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        if (drop) {
          answer.resume();
          answer.once("end", () => {
            dropped++;
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relays.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, dropped: () => dropped };
}

function hostThrough(url: string, server: ProverServer, attempts = 3): RemoteHost {
  return new RemoteHost({
    backend: "prover-net",
    prover: new HttpRemoteProver({ url, token: TOKEN, attempts }),
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
  });
}

/** The task's record of its job, as the scheduler keeps it: the last id recorded. */
function taskRecord() {
  const ids: string[] = [];
  const job = (previousId?: string) => ({
    requestId: "task-lost-answer",
    ...(previousId !== undefined && { previousId }),
    record: async (id: string) => void ids.push(id),
  });
  return { ids, job };
}

/**
 * Whether the server's one worker is free: another job's proof (a sum) succeeds within `timeoutMs`.
 * A proof left running for nobody holds it, and the other job waits queued behind it.
 */
async function workerFreed(server: ProverServer, timeoutMs: number): Promise<boolean> {
  const prover = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const jobId = await prover.start({
    program: programRef(sumProgram),
    input: encodedInput(sumProgram, [1, 2]),
    requestId: "other-work",
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await prover.status(jobId)).state === "succeeded") return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

it("is handed back the same job when the client retries a start whose answer was lost, so a cancel stops the proof", {
  timeout: 30_000,
}, async () => {
  const server = await start();
  const relay = await lossyRelay(server.url, 1);
  const input = { startedLog: data().file("started.log"), gate: data().file("gate") };
  const task = taskRecord();
  const cancel = new AbortController();
  const proving = hostThrough(relay.url, server).prove(gatedProgram, input, {
    signal: cancel.signal,
    job: task.job(),
  });
  await waitFor(
    () => startsIn(input.startedLog) === 1 && relay.dropped() === 1 && task.ids.length > 0,
    () => "the guest to start with the first start's answer lost",
  );

  cancel.abort(new TaskCancelledError("task-lost-answer"));
  await expect(proving).rejects.toThrow(TaskCancelledError);
  expect(await workerFreed(server, 5_000)).toBe(true);
});

it("polls the job on the next attempt when no start's answer came back, and cancels it with the task", {
  timeout: 30_000,
}, async () => {
  const server = await start();
  const relay = await lossyRelay(server.url, 1);
  const input = { startedLog: data().file("started.log"), gate: data().file("gate") };
  const task = taskRecord();
  // One try per call: the lost answer fails the attempt, as a crash before recording an answer would.
  const first = hostThrough(relay.url, server, 1).prove(gatedProgram, input, {
    signal: new AbortController().signal,
    job: task.job(),
  });
  await expect(first).rejects.toThrow(TransientError);
  await waitFor(
    () => startsIn(input.startedLog) === 1,
    () => "the guest of the lost start to run",
  );

  const cancel = new AbortController();
  const next = hostThrough(relay.url, server).prove(gatedProgram, input, {
    signal: cancel.signal,
    job: task.job(task.ids.at(-1)),
  });
  // Given time to poll the job, or start another.
  await new Promise((resolve) => setTimeout(resolve, 300));
  cancel.abort(new TaskCancelledError("task-lost-answer"));
  await expect(next).rejects.toThrow(TaskCancelledError);
  expect(await workerFreed(server, 5_000)).toBe(true);
  expect(startsIn(input.startedLog)).toBe(1);
});

it("hands a start with a jobId it has the same job back, and refuses that jobId for other work", async () => {
  const server = await start();
  const jobId = "client-chosen-0123456789abcdef";
  const body = { ...startJobBody(sumProgram, [1, 2], "sum-1"), jobId };
  const first = await call(server.url, "POST", "v1/jobs", { body });
  expect(first).toMatchObject({ status: 201, json: { jobId, requestId: "sum-1" } });
  const again = await call(server.url, "POST", "v1/jobs", { body });
  expect(again).toMatchObject({ status: 200, json: { jobId, requestId: "sum-1" } });

  const other = await call(server.url, "POST", "v1/jobs", {
    body: { ...startJobBody(sumProgram, [1, 2], "sum-2"), jobId },
  });
  expect(other).toMatchObject({ status: 409, json: { code: "JOB_ID_TAKEN" } });
  const short = await call(server.url, "POST", "v1/jobs", {
    body: { ...startJobBody(sumProgram, [1, 2], "sum-3"), jobId: "short" },
  });
  expect(short).toMatchObject({ status: 400, json: { code: "INVALID_REQUEST" } });
  expect(short.json.error).toMatch(/^jobId: must be 22 to 128 letters/);
});
