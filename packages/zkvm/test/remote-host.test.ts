/**
 * RemoteHost against servers that speak the remote-prover contract — one that proves honestly
 * with a real native host, and ones that misbehave: garbage answers, receipts of another program
 * or signed with another key. The reference server's own tests (@paas/prover-server) cover the
 * contract end to end; these cover what the client refuses and how it resumes and cancels.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RemoteJob } from "@paas/core";
import { LeaseLostError, type ProofReceipt, TaskCancelledError } from "@paas/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  encodeReceipt,
  HttpRemoteProver,
  InputWriter,
  NativeHost,
  PROPOSED_JOB_ID_PATTERN,
  RemoteHost,
  RemoteReceiptRefusedError,
} from "../src/index.js";
import { sumAgainProgram, sumProgram } from "./fixtures/programs.js";

type Behaviour =
  | "honest"
  | "garbage-status"
  | "other-program"
  | "other-key"
  | "never-done"
  | "endless-receipt"
  | "path-job-id"
  | "garbage-info"
  | "huge-status"
  | "endless-error"
  | "id-reused"
  /** A server older than the start's `jobId`: its info does not offer it, and a start naming one is refused. */
  | "no-job-ids";

interface Job {
  readonly id: string;
  requestId: string;
  state: "running" | "succeeded" | "cancelled";
  receipt?: Uint8Array;
  polls: number;
}

/** A contract server whose jobs a real native host proves, misbehaving on request. */
async function contractServer(behaviour: Behaviour) {
  const signer = new NativeHost({ workers: 1, privateKey: "11".repeat(32) });
  const stranger = new NativeHost({ workers: 1, privateKey: "22".repeat(32) });
  const jobs = new Map<string, Job>();
  const started: string[] = [];
  const cancelled: string[] = [];
  /** The ids clients asked their starts' jobs to be known by; this server names its own. */
  const proposed: (string | undefined)[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const match = /^\/v1\/jobs\/([\w-]+)(\/receipt)?$/.exec(req.url ?? "");
    if (req.url === "/v1/info") {
      const publicKey =
        behaviour === "garbage-info"
          ? "\u001b[2Jnot a key"
          : (behaviour === "other-key" ? stranger : signer).publicKeyHex;
      return json(200, {
        publicKey,
        zkvm: "native",
        programs: [],
        workers: 1,
        ...(behaviour !== "no-job-ids" && { jobIds: true }),
      });
    }
    if (req.method === "POST" && req.url === "/v1/jobs") {
      const { input, requestId, jobId } = JSON.parse(body) as {
        input: string;
        requestId: string;
        jobId?: string;
      };
      proposed.push(jobId);
      if (behaviour === "no-job-ids" && jobId !== undefined)
        return json(400, { error: "jobId: is not a field of this request", code: "INVALID_REQUEST" });
      // `..` as a path segment names another route: the next poll would reach `/v1/`.
      const id = behaviour === "path-job-id" ? ".." : `job-${jobs.size + 1}`;
      const job: Job = { id, requestId, state: "running", polls: 0 };
      jobs.set(id, job);
      started.push(id);
      if (behaviour === "id-reused") {
        // After its first poll, the server loses its jobs and numbers them from 1 again: this id
        // now names another client's work, a proof of the same program for another input.
        const { receipt } = await signer.proveEncoded(
          sumProgram,
          new Uint8Array(encodedInput(sumProgram, [99])),
        );
        job.receipt = encodeReceipt(receipt);
      } else if (behaviour !== "never-done") {
        const chosen = behaviour === "other-program" ? sumAgainProgram : sumProgram;
        const host = behaviour === "other-key" ? stranger : signer;
        const { receipt } = await host.proveEncoded(chosen, new Uint8Array(Buffer.from(input, "base64")));
        job.state = "succeeded";
        job.receipt = encodeReceipt(receipt);
      }
      return json(201, { jobId: id, state: "running" });
    }
    const job = match ? jobs.get(match[1]!) : undefined;
    if (!job) return json(404, { error: "no such job" });
    if (req.method === "DELETE") {
      cancelled.push(job.id);
      if (job.state === "running") job.state = "cancelled";
      return json(200, { jobId: job.id, state: job.state });
    }
    if (match?.[2] && behaviour === "endless-receipt") return endless(res);
    // A proxy's error page, or a crash dump, that never ends.
    if (match?.[2] && behaviour === "endless-error") return endless(res, 500);
    if (match?.[2])
      return res.writeHead(200, { "content-type": "application/octet-stream" }).end(job.receipt);
    if (behaviour === "garbage-status")
      return res.writeHead(200, { "content-type": "application/json" }).end('{"jobId":');
    // Valid JSON a few MB long: parsed, each poll of each job held hundreds of MB of heap.
    if (behaviour === "huge-status") {
      const padding = `[${"0,".repeat(2 * 1024 * 1024)}0]`;
      return json(200, { jobId: job.id, state: job.state, padding: JSON.parse(padding) });
    }
    if (behaviour === "id-reused" && ++job.polls > 1) {
      job.requestId = "another-clients-task-0123";
      job.state = "succeeded";
    }
    return json(200, { jobId: job.id, state: job.state, requestId: job.requestId });
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => void handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await signer.close();
    await stranger.close();
  });
  return { url, publicKey: signer.publicKeyHex, jobs, started, cancelled, proposed };
}

/** An answer that never ends: 1 MiB after 1 MiB until the client stops reading. */
function endless(res: ServerResponse, status = 200): void {
  const chunk = Buffer.alloc(1024 * 1024, 7);
  res.writeHead(status, { "content-type": "application/octet-stream" });
  res.on("error", () => {});
  const more = () => {
    while (!res.destroyed && res.write(chunk));
  };
  res.on("drain", more);
  more();
}

function encodedInput<I>(program: { writeInput(input: I, writer: InputWriter): void }, input: I): Uint8Array {
  const writer = new InputWriter();
  program.writeInput(input, writer);
  return writer.toBytes();
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function hostFor(server: { url: string; publicKey: string }): RemoteHost {
  return new RemoteHost({
    backend: "net",
    prover: new HttpRemoteProver({ url: server.url, attempts: 1 }),
    publicKey: server.publicKey,
    concurrency: 2,
    pollIntervalMs: 20,
  });
}

function recordingJob(previousId?: string, lastAttempt?: true): RemoteJob & { recorded: string[] } {
  const recorded: string[] = [];
  return {
    requestId: "task-1",
    recorded,
    ...(previousId && { previousId }),
    ...(lastAttempt && { lastAttempt }),
    record: async (id) => void recorded.push(id),
  };
}

describe("RemoteHost", () => {
  it("proves through the contract, records the job before waiting, and verifies the receipt", async () => {
    const server = await contractServer("honest");
    const job = recordingJob();
    const receipt: ProofReceipt = await hostFor(server).prove(sumProgram, [2, 3], {
      signal: new AbortController().signal,
      job,
    });
    // The id it proposed, recorded before the start was sent; then the one this server named it by.
    expect(server.proposed).toEqual([expect.stringMatching(PROPOSED_JOB_ID_PATTERN)]);
    expect(job.recorded).toEqual([server.proposed[0], "job-1"]);
    expect(Buffer.from(receipt.metadata.programId)).toEqual(Buffer.from(sumProgram.programId));
  });

  it("starts its jobs as before on a server older than proposed job ids, recording the id it answers", async () => {
    const server = await contractServer("no-job-ids");
    const job = recordingJob();
    const receipt = await hostFor(server).prove(sumProgram, [2, 3], {
      signal: new AbortController().signal,
      job,
    });
    // Proposed, the start was refused (400): every task on a server not yet upgraded failed for good.
    expect(server.proposed).toEqual([undefined]);
    expect(job.recorded).toEqual(["job-1"]);
    expect(Buffer.from(receipt.metadata.programId)).toEqual(Buffer.from(sumProgram.programId));
  });

  it("polls the job a previous attempt recorded instead of starting another", async () => {
    const server = await contractServer("honest");
    await hostFor(server).prove(sumProgram, [1], {
      signal: new AbortController().signal,
      job: recordingJob(),
    });
    const again = recordingJob("job-1");
    await hostFor(server).prove(sumProgram, [1], { signal: new AbortController().signal, job: again });
    expect(server.started).toEqual(["job-1"]);
    expect(again.recorded).toEqual([]);
  });

  it.each([
    [
      "a receipt of another program",
      "other-program" as const,
      /the receipt of remote job job-1 from http:\/\/127\.0\.0\.1:\d+ is refused: receipt rejected: it proves program 0x/,
    ],
    [
      "a receipt signed with another key",
      "other-key" as const,
      /the receipt of remote job job-1 from http:\/\/127\.0\.0\.1:\d+ is refused: receipt rejected: .*signature/,
    ],
  ])(
    "refuses %s, transiently, naming the server and the job, and records a new job for the next attempt",
    async (_what, behaviour, message) => {
      const server = await contractServer(behaviour);
      const job = recordingJob();
      const error = await hostFor(server)
        .prove(sumProgram, [4], { signal: new AbortController().signal, job })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteReceiptRefusedError);
      expect(error).toMatchObject({ code: "TRANSIENT_FAILURE", jobId: "job-1" });
      expect((error as Error).message).toMatch(message);
      // The new job is the same work under a requestId of its own: the server would hand the same
      // requestId's succeeded job, and its refused receipt, back.
      expect(job.recorded).toEqual([server.proposed[0], "job-1", server.proposed[1], "job-2"]);
      const [first, second] = [server.jobs.get("job-1")!, server.jobs.get("job-2")!];
      expect(second.requestId).toMatch(new RegExp(`^${first.requestId}-[0-9a-f]{8}$`));
    },
  );

  it("refuses a bad receipt on the task's last attempt without starting a new job nobody would wait on", async () => {
    const server = await contractServer("other-key");
    const job = recordingJob(undefined, true);
    const error = await hostFor(server)
      .prove(sumProgram, [4], { signal: new AbortController().signal, job })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteReceiptRefusedError);
    expect(server.started).toEqual(["job-1"]);
    expect(job.recorded).toEqual([server.proposed[0], "job-1"]);
  });

  it.each([
    [
      "a receipt larger than any receipt (64 MiB), without buffering all of it",
      "endless-receipt" as const,
      /remote prover http:\/\/127\.0\.0\.1:\d+ GET \/v1\/jobs\/job-1\/receipt: answered a body over 67108864 bytes/,
    ],
    [
      "a status larger than any status (1 MiB), without buffering all of it",
      "huge-status" as const,
      /remote prover http:\/\/127\.0\.0\.1:\d+ GET \/v1\/jobs\/job-1: answered a body over 1048576 bytes/,
    ],
    [
      "a status that is not JSON",
      "garbage-status" as const,
      /remote prover http:\/\/127\.0\.0\.1:\d+ GET \/v1\/jobs\/job-1: answered a body that is not JSON/,
    ],
    [
      "a job id that would be read as another path",
      "path-job-id" as const,
      /remote prover http:\/\/127\.0\.0\.1:\d+ start: answered a job id that is not letters, digits, '_' or '-'/,
    ],
  ])("refuses %s, permanently, saying what is wrong", async (_what, behaviour, message) => {
    const server = await contractServer(behaviour);
    const error = await hostFor(server)
      .prove(sumProgram, [4], { signal: new AbortController().signal, job: recordingJob() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PERMANENT_FAILURE" });
    expect((error as Error).message).toMatch(message);
  });

  it("gives up, transiently, a job whose id the server gave to other work while it was polled, refusing its receipt", async () => {
    const server = await contractServer("id-reused");
    const error = await hostFor(server)
      .prove(sumProgram, [4], { signal: new AbortController().signal, job: recordingJob() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TRANSIENT_FAILURE" });
    expect((error as Error).message).toMatch(
      /remote job job-1 is now another job's \(request another-clients-task-0123\): the server lost its jobs\?/,
    );
  });

  it("retries a server error however long its page, as any server error", async () => {
    const server = await contractServer("endless-error");
    const error = await hostFor(server)
      .prove(sumProgram, [4], { signal: new AbortController().signal, job: recordingJob() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TRANSIENT_FAILURE" });
    expect((error as Error).message).toMatch(/GET \/v1\/jobs\/job-1\/receipt: HTTP 500$/);
  });

  it("cancels the job when the task is cancelled, and leaves it running when the instance loses its lease", async () => {
    const server = await contractServer("never-done");
    const cancel = new AbortController();
    const proving = hostFor(server).prove(sumProgram, [5], { signal: cancel.signal, job: recordingJob() });
    await expect.poll(() => server.started.length).toBe(1);
    cancel.abort(new TaskCancelledError("task-1"));
    await expect(proving).rejects.toBeInstanceOf(TaskCancelledError);
    expect(server.cancelled).toEqual(["job-1"]);
    expect(server.jobs.get("job-1")?.state).toBe("cancelled");

    const lost = new AbortController();
    const again = hostFor(server).prove(sumProgram, [6], { signal: lost.signal, job: recordingJob() });
    await expect.poll(() => server.started.length).toBe(2);
    lost.abort(new LeaseLostError("taken over"));
    await expect(again).rejects.toBeInstanceOf(LeaseLostError);
    expect(server.cancelled).toEqual(["job-1"]);
    expect(server.jobs.get("job-2")?.state).toBe("running");
  });
});

describe("RemoteHost.checkServer", () => {
  it("resolves when the server signs with the trusted key", async () => {
    const server = await contractServer("honest");
    await expect(hostFor(server).checkServer()).resolves.toBeUndefined();
  });

  it("refuses a server that signs with another key, naming both", async () => {
    const server = await contractServer("other-key");
    const error = await hostFor(server)
      .checkServer()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "HOST_KEY_MISMATCH" });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the proving server signs receipts with key [0-9a-f]{64}, but this backend trusts ${server.publicKey} `,
      ),
    );
  });

  it("refuses info whose key is not a key, without repeating it", async () => {
    const server = await contractServer("garbage-info");
    const error = await hostFor(server)
      .checkServer()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PERMANENT_FAILURE" });
    expect((error as Error).message).toMatch(
      / info: answered not the server's info, which the remote-prover contract does not allow$/,
    );
    expect((error as Error).message).not.toContain("not a key");
  });
});

describe("a busy contract server", () => {
  it("waits out its Retry-After before trying again, and stops waiting when the task is cancelled", async () => {
    const arrivals: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        arrivals.push(performance.now());
        if (arrivals.length === 1) {
          res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
          return res.end(JSON.stringify({ error: "busy", code: "SERVER_BUSY" }));
        }
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ jobId: "job-1", state: "queued" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const prover = new HttpRemoteProver({ url });
      const request = {
        program: { name: "sum", version: "1", programId: "ab".repeat(32) },
        input: new Uint8Array([1]),
        requestId: "task-1",
      };
      expect(await prover.start(request)).toBe("job-1");
      // Its second try came after the second the server asked for, not 200 ms later.
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);

      arrivals.length = 0;
      const cancel = new AbortController();
      const started = prover.start(request, { signal: cancel.signal });
      await expect.poll(() => arrivals.length).toBe(1);
      const cancelledAt = performance.now();
      cancel.abort(new TaskCancelledError("task-1"));
      await expect(started).rejects.toBeInstanceOf(TaskCancelledError);
      // At once, not after the rest of the server's second.
      expect(performance.now() - cancelledAt).toBeLessThan(500);
      expect(arrivals).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});
