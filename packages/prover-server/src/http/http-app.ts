import { capConnections, cutIfUnread, foreignHostMessage, type PluginLogger } from "@paas/core";
import { REMOTE_PROVER_OPENAPI, type RemoteProverInfo } from "@paas/zkvm";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { JobRunner } from "../jobs/job-runner.js";
import { type ProgramCatalogue, refOf } from "../programs.js";
import type { JobStore, JobView } from "../store/job-store.js";
import { bearerTokenCheck } from "./auth.js";
import { HttpError } from "./http-error.js";
import { parseJobId, parseStartJob } from "./requests.js";

export interface HttpAppOptions {
  readonly store: JobStore;
  readonly runner: JobRunner;
  readonly programs: ProgramCatalogue;
  readonly publicKey: string;
  readonly workers: number;
  readonly token: string | undefined;
  readonly maxInputBytes: number;
  readonly maxQueuedInputBytes: number;
  /** How long a client may take to read a whole answer before its connection is cut. */
  readonly answerTimeoutMs: number;
  readonly logger: PluginLogger;
  readonly acceptsHost: (hostHeader: string | undefined) => boolean;
}

/** Room in a request body for everything but the base64 input: the program ref and request id. */
const BODY_OVERHEAD_BYTES = 16 * 1024;
/**
 * Job uploads are buffered whole (a body of up to ~90 MB with the default input limit), so the
 * ones received at once are capped by the memory they may hold together; more are told to come
 * back (503, Retry-After), before their bodies are read.
 */
const UPLOAD_MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_UPLOADS_AT_ONCE = 16;
/** Sockets the server keeps open at once; past it the one idle the longest is closed (see `capConnections`). */
const MAX_CONNECTIONS = 256;
/** The answer to the unexpected, the one logged at error. */
const INTERNAL_STATUS = 500;

/**
 * The remote-prover contract (`REMOTE_PROVER_OPENAPI`) on fastify. Every answer that is not a
 * success is `{ error, code }`; a client's mistake is a 4xx naming what was wrong, never a 500, and
 * no answer carries a stack trace.
 */
export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
  const { store, runner, programs, logger, maxInputBytes } = options;
  const bodyLimit = Math.ceil(maxInputBytes / 3) * 4 + BODY_OVERHEAD_BYTES;
  const app = Fastify({
    logger: false,
    bodyLimit,
    // A body of many megabytes must arrive in this time; a stalled sender does not hold a socket forever.
    requestTimeout: 120_000,
    // Job ids longer than the contract allows still reach the validator, which names the limit.
    routerOptions: { maxParamLength: 512 },
    // A request fastify cannot route (a malformed URL) gets the contract's error shape, after the
    // Host check the hooks would have made; it never echoes the URL.
    frameworkErrors(error, request, reply) {
      reply.header("Connection", "close");
      if (!options.acceptsHost(request.headers.host)) {
        return sendError(reply, foreignHost(request.headers.host));
      }
      sendError(reply, new HttpError(400, "INVALID_REQUEST", `request: not a valid URL (${error.code})`));
    },
  });
  capConnections(app.server, MAX_CONNECTIONS);
  const maxUploads = Math.max(1, Math.min(MAX_UPLOADS_AT_ONCE, Math.floor(UPLOAD_MEMORY_BYTES / bodyLimit)));
  let uploads = 0;

  // The contract speaks JSON only; fastify would also parse text/plain into a string.
  app.removeContentTypeParser("text/plain");

  const checkToken = options.token === undefined ? undefined : bearerTokenCheck(options.token);
  app.addHook("onRequest", async (request, reply) => {
    if (!options.acceptsHost(request.headers.host)) {
      // The body is never read: the connection cannot carry another request.
      reply.header("Connection", "close");
      throw foreignHost(request.headers.host);
    }
    if (checkToken && request.routeOptions.url !== "/openapi.json") {
      const refused = checkToken(request.headers.authorization);
      if (refused) throw refused;
    }
    if (request.method === "POST" && request.routeOptions.url === "/v1/jobs") {
      if (uploads >= maxUploads) {
        reply.header("Connection", "close").header("Retry-After", "1");
        throw new HttpError(
          503,
          "SERVER_BUSY",
          `${uploads} job uploads are being received already (this server's limit); send again shortly`,
        );
      }
      uploads++;
      reply.raw.once("close", () => uploads--);
    }
  });

  // A client that stops reading (pipelining requests, a token or not: /openapi.json and 401s are
  // answered too) held its connection for good, and MAX_CONNECTIONS of them locked every client out.
  app.addHook("onSend", (_request, reply, payload, done) => {
    cutIfUnread(reply.raw, options.answerTimeoutMs);
    done(null, payload);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = asHttpError(error, bodyLimit, maxInputBytes);
    // The unexpected only. A 503 (uploads or queued input at this server's limit) is back-pressure
    // clients wait out (Retry-After), not a failure: at error, each refusal of a busy server was an
    // error line, naming other byte counts so the logger's repeat limit let them all through.
    // With the error itself, as `err` always is: its stack is all that says where the unexpected came from.
    if (answer.status === INTERNAL_STATUS) {
      logger.error({ method: request.method, url: request.url, err: error }, "request failed");
    }
    sendError(reply, answer);
  });
  app.setNotFoundHandler((request, reply) => {
    // The path only, cut short: an answer is no mirror for a 16 KiB URL or what its query carries.
    const path = request.url.split("?", 1)[0]!.slice(0, 100);
    sendError(reply, new HttpError(404, "NOT_FOUND", `${request.method} ${path}: no such route`));
  });
  app.addHook("onResponse", async (request, reply) => {
    const fields = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    // Client mistakes and "come back later" stay at debug: a misconfigured or eager client must
    // not flood the server's log.
    if (reply.statusCode !== INTERNAL_STATUS) logger.debug(fields, "request");
  });

  app.get("/openapi.json", async () => REMOTE_PROVER_OPENAPI);

  app.get("/v1/info", async (): Promise<RemoteProverInfo> => {
    return {
      publicKey: options.publicKey,
      zkvm: "native",
      programs: programs.list(),
      workers: options.workers,
      jobIds: true,
    };
  });

  app.post("/v1/jobs", async (request, reply) => {
    const body = parseStartJob(request.body);
    const program = programs.find(body.program);
    if (!program) {
      const { name, version, programId } = body.program;
      throw new HttpError(
        404,
        "UNKNOWN_PROGRAM",
        `this server does not prove program "${name}" version "${version}" (0x${programId})`,
      );
    }
    const input = Buffer.from(body.input, "base64");
    if (input.length > maxInputBytes) {
      throw new HttpError(
        413,
        "INPUT_TOO_LARGE",
        `input: ${input.length} bytes, more than this server's limit of ${maxInputBytes}`,
      );
    }
    const { programId, name, version } = refOf(program);
    const started = await store.startOrFind(
      body.requestId,
      { programId, name, version },
      input,
      options.maxQueuedInputBytes,
      body.jobId,
    );
    if ("taken" in started) {
      throw new HttpError(409, "JOB_ID_TAKEN", `jobId: job ${body.jobId} is other work's: propose another`);
    }
    if ("queueFull" in started) {
      reply.header("Retry-After", "10");
      throw new HttpError(
        503,
        "SERVER_BUSY",
        `the queued jobs hold ${started.queueFull} bytes of input, and this one would pass this server's limit of ${options.maxQueuedInputBytes}; send again once work drains`,
      );
    }
    const { job, created } = started;
    if (created) runner.wake();
    return reply.code(created ? 201 : 200).send(statusOf(job));
  });

  app.get("/v1/jobs/:jobId", async (request) => statusOf(await known(store.get(parseJobId(request.params)))));

  app.delete("/v1/jobs/:jobId", async (request) =>
    statusOf(await known(runner.cancel(parseJobId(request.params)))),
  );

  app.get("/v1/jobs/:jobId/receipt", async (request, reply) => {
    const jobId = parseJobId(request.params);
    const job = await known(store.receipt(jobId));
    if (job.state !== "succeeded" || !job.receipt) {
      throw new HttpError(
        409,
        "RECEIPT_NOT_READY",
        `job ${jobId} is ${job.state}: no receipt until it succeeds`,
      );
    }
    return reply.type("application/octet-stream").send(Buffer.from(job.receipt));
  });

  return app;
}

function foreignHost(host: string | undefined): HttpError {
  return new HttpError(403, "FOREIGN_HOST", foreignHostMessage(host, "its allowed hosts"));
}

/**
 * The contract's JobStatus, with the work it was started for (so a client resumes only its own),
 * plus `attempts`: how many proofs this server started for the job.
 */
function statusOf(job: JobView) {
  return {
    jobId: job.id,
    state: job.state,
    requestId: job.requestId,
    programId: job.program.programId,
    attempts: job.attempts,
    ...(job.state === "failed" && {
      error: job.error ?? "no reason recorded",
      retryable: job.retryable === true,
    }),
  };
}

async function known<T>(lookup: Promise<T | undefined>): Promise<T> {
  const found = await lookup;
  if (found === undefined) throw new HttpError(404, "JOB_NOT_FOUND", "no such job on this server");
  return found;
}

/** What to answer for an error: ours as is, fastify's 4xx in the contract's shape, anything else a bare 500. */
function asHttpError(error: unknown, bodyLimit: number, maxInputBytes: number): HttpError {
  if (error instanceof HttpError) return error;
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  if (statusCode === 413 || code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new HttpError(
      413,
      "INPUT_TOO_LARGE",
      `body: more than this server's limit of ${bodyLimit} bytes (an input of up to ${maxInputBytes} bytes, base64-encoded)`,
    );
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new HttpError(415, "INVALID_REQUEST", "body: send it as application/json");
  }
  if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || (error instanceof SyntaxError && statusCode === 400)) {
    return new HttpError(400, "INVALID_REQUEST", "body: not valid JSON");
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return new HttpError(statusCode, "INVALID_REQUEST", `request: ${messageOf(error)}`);
  }
  return new HttpError(
    INTERNAL_STATUS,
    "INTERNAL",
    "the server failed to answer this request; its log says why",
  );
}

function sendError(reply: FastifyReply, error: HttpError): void {
  if (error.status === 401) reply.header("www-authenticate", "Bearer");
  void reply.code(error.status).send({ error: error.message, code: error.code });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
