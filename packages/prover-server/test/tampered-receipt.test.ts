/**
 * A receipt altered in the server's job table (a disk fault, someone with access to the datadir)
 * is refused by the client that fetches it: it verifies every receipt against the key it trusts.
 * That is the server's fault, not the task's: the attempt fails as transient, naming the server
 * and the job, reports it at error, and leaves a new job recorded for the next attempt, which
 * never fetches the refused receipt again — when a next attempt comes.
 */
import { classifyFailure, ProverServiceBuilder } from "@paas/core";
import {
  decodeReceipt,
  encodeReceipt,
  HttpRemoteProver,
  RemoteHost,
  type RemoteProver,
  RemoteReceiptRefusedError,
} from "@paas/zkvm";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import type { ProverServer } from "../src/index.js";
import { sumProgram } from "./fixtures/programs.js";
import { SumPlugin } from "./fixtures/test-plugin.js";
import { recordingLogger, remoteHostOf, serverPerTest, type TempDir, TOKEN, tempDir } from "./helpers.js";

const { start } = serverPerTest();
let server: ProverServer;

it("has the client refuse a receipt altered in the server's job table, and retry on a new job", async () => {
  server = await start();
  const recorded: string[] = [];
  const job = (requestId: string) => ({ requestId, record: async (id: string) => void recorded.push(id) });
  const signal = new AbortController().signal;
  await remoteHostOf(server).prove(sumProgram, [1, 2], { signal, job: job("task-a") });
  // A later job: the server checks the latest receipt against its key at start, not the others.
  await remoteHostOf(server).prove(sumProgram, [3, 4], { signal, job: job("task-b") });
  const { databaseFile } = server;
  await server.close();

  const table = new Database(databaseFile);
  const { receipt } = table.prepare("select receipt from jobs where id = ?").get(recorded[0]) as {
    receipt: Uint8Array;
  };
  // Another sum, the signature left as it was.
  const altered = {
    ...decodeReceipt(receipt),
    publicValues: decodeReceipt(receipt).publicValues.map((b, i, all) => (i === all.length - 1 ? b ^ 1 : b)),
  };
  table.prepare("update jobs set receipt = ? where id = ?").run(encodeReceipt(altered), recorded[0]);
  table.close();

  server = await start();
  const log = recordingLogger();
  const client = new RemoteHost({
    backend: "prover-net",
    prover: new HttpRemoteProver({ url: server.url, token: TOKEN }),
    publicKey: server.publicKey,
    concurrency: 1,
    pollIntervalMs: 50,
    logger: log.logger,
  });
  const refused = await client
    .prove(sumProgram, [1, 2], { signal, job: { ...job("task-a"), previousId: recorded[0]! } })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(refused).toBeInstanceOf(RemoteReceiptRefusedError);
  expect(classifyFailure(refused)).toBe("transient");
  const origin = new URL(server.url).origin;
  expect((refused as Error).message).toMatch(
    new RegExp(`the receipt of remote job ${recorded[0]} from ${origin} is refused: .*signature`),
  );
  // A new job, recorded with the task: the next attempt waits on it, not on the refused one.
  expect(recorded).toHaveLength(3);
  expect(recorded[2]).not.toBe(recorded[0]);
  expect(log.lines).toContainEqual({
    level: "error",
    fields: expect.objectContaining({
      security: true,
      server: origin,
      job: recorded[0],
      newJob: recorded[2],
      // A message, as `error` always is in these logs (`err` is only ever an error object).
      error: expect.stringMatching(/signature/),
    }),
    message: expect.stringContaining("failed verification"),
  });

  const retried = await client.prove(sumProgram, [1, 2], {
    signal,
    job: { ...job("task-a"), previousId: recorded[2]! },
  });
  expect(sumProgram.readOutput(retried.publicValues)).toBe(3);
  expect(recorded).toHaveLength(3);
});

/**
 * The server through a prover that alters the first `altered` receipts on their way (a proxy, a
 * bad disk): another sum, its signature kept. `fetched` and `started` name the jobs.
 */
function tamperingProver(altered: number) {
  const real = new HttpRemoteProver({ url: server.url, token: TOKEN });
  const fetched: string[] = [];
  const started: string[] = [];
  const prover: RemoteProver = {
    endpoint: real.endpoint,
    info: (options) => real.info(options),
    async start(request, options) {
      const jobId = await real.start(request, options);
      started.push(jobId);
      return jobId;
    },
    status: (jobId, options) => real.status(jobId, options),
    cancel: (jobId, options) => real.cancel(jobId, options),
    async receipt(jobId, options) {
      fetched.push(jobId);
      const bytes = await real.receipt(jobId, options);
      if (fetched.length > altered) return bytes;
      const receipt = decodeReceipt(bytes);
      return encodeReceipt({
        ...receipt,
        publicValues: receipt.publicValues.map((b, i) => (i === 0 ? b ^ 1 : b)),
      });
    },
  };
  return { real, prover, fetched, started };
}

async function serviceThrough(prover: RemoteProver, data: TempDir, maxRetries: number) {
  return new ProverServiceBuilder({
    database: { path: data.file("tasks.sqlite") },
    retry: { baseDelayMs: 50, maxDelayMs: 50, maxRetries },
  })
    .host(
      new RemoteHost({
        backend: "prover-net",
        prover,
        publicKey: server.publicKey,
        concurrency: 1,
        pollIntervalMs: 50,
      }),
    )
    .register(SumPlugin)
    .launch();
}

it("has a task whose receipt one answer altered retry on a new job and complete", {
  timeout: 30_000,
}, async () => {
  server = await start();
  const { real, prover, fetched } = tamperingProver(1);
  const data = tempDir();
  const service = await serviceThrough(prover, data, 2);
  try {
    const { task } = await service.submit({ kind: "server-test-sum" }, "prover-net");
    const done = await service.wait(task.id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ status: "completed" });
    // The second attempt waited on a new job: the refused receipt was fetched once.
    expect(fetched).toHaveLength(2);
    expect(fetched[1]).not.toBe(fetched[0]);
    expect(done.jobId).toBe(fetched[1]);
    const history = await service.history(task.id);
    expect(history.map((attempt) => attempt.outcome)).toEqual(["transient_failure", "proven"]);
    expect(history[0]!.error).toContain(
      `the receipt of remote job ${fetched[0]} from ${real.endpoint} is refused`,
    );
  } finally {
    await service.close();
    data.remove();
  }
});

it("starts no new job for a task whose receipt is refused on its last attempt", {
  timeout: 30_000,
}, async () => {
  server = await start();
  const { prover, fetched, started } = tamperingProver(Number.POSITIVE_INFINITY);
  const data = tempDir();
  const service = await serviceThrough(prover, data, 0);
  try {
    const { task } = await service.submit({ kind: "server-test-sum" }, "prover-net");
    const done = await service.wait(task.id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({
      status: "permanent_failure",
      error: expect.stringContaining(`the receipt of remote job ${fetched[0]} from`),
    });
    // No attempt follows: a job started for one would have been proven for nobody.
    expect(started).toEqual([fetched[0]]);
  } finally {
    await service.close();
    data.remove();
  }
});
