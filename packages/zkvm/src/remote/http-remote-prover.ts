import { PermanentError, readCapped, TransientError } from "@paas/core";
import { request } from "undici";
import type {
  CallOptions,
  RemoteJobState,
  RemoteJobStatus,
  RemoteProgramRef,
  RemoteProver,
  RemoteProverInfo,
  StartJobRequest,
} from "./contract.js";
import { JOB_ID_PATTERN } from "./openapi.js";

export interface HttpRemoteProverOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4900/`. */
  readonly url: string;
  readonly token?: string;
  /**
   * Deadline of each HTTP request, plus a second per MiB of the body it sends or of the answer it
   * declares (a receipt). Default 10 s.
   */
  readonly requestTimeoutMs?: number;
  /** Tries per request when the network or the server fails (5xx, reset, timeout). Default 3. */
  readonly attempts?: number;
}

const JOB_STATES: readonly RemoteJobState[] = ["queued", "running", "succeeded", "failed", "cancelled"];
const MAX_RECEIPT_BYTES = 64 * 1024 * 1024;
/**
 * Every other answer (info, a job's status, an error) is JSON of a few kB. Read up to the receipt's
 * cap, a server's (or a proxy's) endless JSON was parsed at each poll of each job: tens of MB of
 * numbers held hundreds of MB of heap, times the jobs polled at once.
 */
const MAX_ANSWER_BYTES = 1024 * 1024;
/**
 * A body's upload, and an answer's download, are given time on top of the request timeout, as at
 * this rate (1 MiB/s): a job's input or a receipt can be tens of MB, which a link of a few MB/s
 * carries in longer than a status poll may take.
 */
const TRANSFER_FLOOR_BYTES_PER_MS = (1024 * 1024) / 1000;
/** An x-only key as the contract writes it; anything else is not shown in a message as a key. */
const HEX_KEY = /^[0-9a-f]{64}$/;

/**
 * The remote-prover contract over HTTP (see `REMOTE_PROVER_OPENAPI`). Failures a network can cause
 * (unreachable, reset, timeout, 5xx, 429) are retried a few times and then thrown as
 * `TransientError`; a refused token, an unknown program, or an answer that is not what the
 * contract says is a `PermanentError` naming the server and the call.
 */
export class HttpRemoteProver implements RemoteProver {
  private readonly base: URL;
  /** Scheme, host and port: URLs may carry keys in their path, which errors must not show. */
  readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly requestTimeoutMs: number;
  private readonly attempts: number;

  constructor(options: HttpRemoteProverOptions) {
    this.base = new URL(options.url.endsWith("/") ? options.url : `${options.url}/`);
    this.endpoint = this.base.origin;
    this.headers = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.attempts = options.attempts ?? 3;
  }

  async info(options: CallOptions = {}): Promise<RemoteProverInfo> {
    const { json } = await this.request("GET", "v1/info", undefined, options);
    const info = json as Partial<RemoteProverInfo> | undefined;
    if (
      typeof info?.publicKey !== "string" ||
      !HEX_KEY.test(info.publicKey) ||
      typeof info.zkvm !== "string" ||
      !Array.isArray(info.programs) ||
      typeof info.workers !== "number" ||
      (info.jobIds !== undefined && typeof info.jobIds !== "boolean")
    ) {
      throw this.garbage("info", "not the server's info");
    }
    return info as RemoteProverInfo;
  }

  async start(request: StartJobRequest, options: CallOptions = {}): Promise<string> {
    const body = {
      program: request.program,
      input: Buffer.from(request.input).toString("base64"),
      requestId: request.requestId,
      // Sent again as is by each retry below: a start whose answer was lost is the same start.
      ...(request.jobId !== undefined && { jobId: request.jobId }),
    };
    const { json } = await this.request("POST", "v1/jobs", body, options, MAX_ANSWER_BYTES, {
      404: (message) =>
        new PermanentError(
          `${this.where("start")}: ${message || `the server does not prove ${programName(request.program)}`}`,
        ),
      // The proposed id names other work: the next attempt proposes another.
      409: (message) =>
        new TransientError(`${this.where("start")}: ${message || `job id ${request.jobId} is taken`}`),
    });
    return this.jobStatusOf("start", json).jobId;
  }

  async status(jobId: string, options: CallOptions = {}): Promise<RemoteJobStatus> {
    const { status, json } = await this.request(
      "GET",
      `v1/jobs/${encodeURIComponent(jobId)}`,
      undefined,
      options,
      MAX_ANSWER_BYTES,
      {
        404: () => undefined,
      },
    );
    if (status === 404) return { state: "unknown" };
    const answer = this.jobStatusOf("status", json);
    const work = {
      ...(typeof answer.requestId === "string" && { requestId: answer.requestId }),
      ...(typeof answer.programId === "string" && { programId: answer.programId }),
    };
    switch (answer.state) {
      case "queued":
      case "running":
        return {
          state: answer.state,
          ...(typeof answer.progress === "number" && { progress: answer.progress }),
          ...work,
        };
      case "failed":
        return {
          state: "failed",
          error: answer.error ?? "no reason given",
          retryable: answer.retryable === true,
          ...work,
        };
      default:
        return { state: answer.state, ...work };
    }
  }

  async receipt(jobId: string, options: CallOptions = {}): Promise<Uint8Array> {
    const { bytes } = await this.request(
      "GET",
      `v1/jobs/${encodeURIComponent(jobId)}/receipt`,
      undefined,
      options,
      MAX_RECEIPT_BYTES,
      {
        409: (message) =>
          new TransientError(`${this.where("receipt")}: ${message || "the job has not succeeded"}`),
        // Deleted since its status was read (a server's retention): the next attempt finds the job
        // unknown and starts a new one.
        404: () =>
          new TransientError(`${this.where("receipt")}: the remote prover no longer knows job ${jobId}`),
      },
    );
    return bytes;
  }

  async cancel(jobId: string, options: CallOptions = {}): Promise<void> {
    await this.request(
      "DELETE",
      `v1/jobs/${encodeURIComponent(jobId)}`,
      undefined,
      options,
      MAX_ANSWER_BYTES,
      {
        404: () => undefined,
      },
    );
  }

  private jobStatusOf(
    call: string,
    json: unknown,
  ): {
    jobId: string;
    state: RemoteJobState;
    progress?: number;
    error?: string;
    retryable?: boolean;
    requestId?: unknown;
    programId?: unknown;
  } {
    const answer = json as { jobId?: unknown; state?: unknown } | undefined;
    if (typeof answer?.jobId !== "string" || !JOB_STATES.includes(answer.state as RemoteJobState)) {
      throw this.garbage(call, "not a job status");
    }
    // Ids travel as path segments: `..` would send the next poll or cancel to another route.
    if (!JOB_ID_PATTERN.test(answer.jobId))
      throw this.garbage(call, "a job id that is not letters, digits, '_' or '-'");
    return answer as { jobId: string; state: RemoteJobState };
  }

  /**
   * One call, retried while the failure is the network's or the server's (5xx, 429). Its answer is
   * read up to `maxBytes`. `special` maps statuses the caller reads itself to the error to throw
   * (or undefined to return).
   */
  private async request(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    options: CallOptions,
    maxBytes = MAX_ANSWER_BYTES,
    special: Readonly<Record<number, (message: string) => Error | undefined>> = {},
  ): Promise<{ status: number; json?: unknown; bytes: Uint8Array }> {
    const call = `${method} /${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let type: string;
      let bytes: Uint8Array;
      let oversized: boolean;
      let retryAfter: unknown;
      // A timer, not AbortSignal.timeout: AbortSignal.any holds its sources weakly, and a timeout
      // signal nothing else holds is collected at the next GC and never fires; a stalled server
      // then held the call, and the task, forever.
      const deadline = new AbortController();
      let deadlineMs =
        this.requestTimeoutMs + (text === undefined ? 0 : text.length / TRANSFER_FLOOR_BYTES_PER_MS);
      let timer = setTimeout(() => deadline.abort(), deadlineMs);
      try {
        const signal = AbortSignal.any([deadline.signal, ...(options.signal ? [options.signal] : [])]);
        // undici's request rather than fetch: every remote job is polled from the prover's thread,
        // and fetch cost four times the CPU per call (see @paas/jsonrpc's bench).
        const response = await request(new URL(path, this.base), {
          method,
          headers: { ...this.headers, ...(body !== undefined && { "content-type": "application/json" }) },
          ...(text !== undefined && { body: text }),
          signal,
        });
        status = response.statusCode;
        // A receipt of many MB takes longer than a status poll to cross a slow link: its download
        // is given time for its declared size at the same rate, from when its headers arrive.
        // Given only the request's deadline, it timed out at every try of every attempt, for good.
        const length = declaredLength(response.headers["content-length"], maxBytes);
        if (length > 0) {
          clearTimeout(timer);
          deadlineMs = this.requestTimeoutMs + length / TRANSFER_FLOOR_BYTES_PER_MS;
          timer = setTimeout(() => deadline.abort(), deadlineMs);
        }
        type = String(response.headers["content-type"] ?? "");
        retryAfter = response.headers["retry-after"];
        const read = await readCapped(response.body, maxBytes);
        // Judged with the status below: a server error's page, however long, is still retried.
        oversized = read === "too-large";
        bytes = read === "too-large" ? new Uint8Array() : read;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof PermanentError) throw error;
        if (attempt < this.attempts) {
          await pause(200 * attempt);
          continue;
        }
        const why = deadline.signal.aborted
          ? `no answer within ${Math.round(deadlineMs)} ms: the backend's request timeout`
          : messageOf(error);
        throw new TransientError(`${this.where(call)}: unreachable or no answer (${why})`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (status >= 500 || status === 429 || status === 408) {
        if (attempt < this.attempts) {
          // A busy server says when to come back (a prover server receiving all the uploads it
          // may): waiting that long, up to a cap, keeps its refusals from using up the attempts.
          await pause(retryAfterMs(retryAfter) ?? 200 * attempt, options.signal);
          continue;
        }
        throw new TransientError(`${this.where(call)}: HTTP ${status}${errorText(bytes)}`);
      }
      const handler = special[status];
      if (handler) {
        const error = handler(errorMessageIn(bytes));
        if (error) throw error;
        return { status, bytes };
      }
      if (status === 401 || status === 403) {
        throw new PermanentError(
          `${this.where(call)}: the server refused the token (HTTP ${status}): check the backend's token`,
        );
      }
      if (status < 200 || status >= 300)
        throw new PermanentError(`${this.where(call)}: HTTP ${status}${errorText(bytes)}`);
      if (oversized) throw this.garbage(call, `a body over ${maxBytes} bytes`);
      if (!type.includes("application/json")) return { status, bytes };
      try {
        return { status, bytes, json: JSON.parse(new TextDecoder().decode(bytes)) };
      } catch {
        throw this.garbage(call, "a body that is not JSON");
      }
    }
  }

  private where(call: string): string {
    return `remote prover ${this.endpoint} ${call}`;
  }

  private garbage(call: string, what: string): PermanentError {
    return new PermanentError(
      `${this.where(call)}: answered ${what}, which the remote-prover contract does not allow`,
    );
  }
}

/** An answer's declared `Content-Length`, at most `maxBytes` (what is read of it); 0 when absent or not a length. */
function declaredLength(header: unknown, maxBytes: number): number {
  if (typeof header !== "string" || !/^\d{1,15}$/.test(header)) return 0;
  return Math.min(Number(header), maxBytes);
}

function programName(program: RemoteProgramRef): string {
  return `program "${program.name}" version "${program.version}"`;
}

/** The `error` field of a JSON error body, if there is one. */
function errorMessageIn(bytes: Uint8Array): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { error?: unknown };
    return typeof parsed.error === "string" ? parsed.error.slice(0, 500) : "";
  } catch {
    return "";
  }
}

function errorText(bytes: Uint8Array): string {
  const message = errorMessageIn(bytes);
  return message ? `: ${message}` : "";
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/** The longest a `Retry-After` is waited out; a longer one is the task's backoff's business. */
const MAX_RETRY_AFTER_MS = 30_000;

/** A `Retry-After` given in seconds, as milliseconds (capped); undefined when absent or a date. */
function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== "string" || !/^\d{1,9}$/.test(header.trim())) return undefined;
  return Math.min(Number(header) * 1_000, MAX_RETRY_AFTER_MS);
}

/** Waits `ms`, or less if `signal` aborts (the caller then throws its reason). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
