/**
 * The remote-prover contract over HTTP, as an OpenAPI 3.1 document: what `HttpRemoteProver` calls
 * and what a proving server (the reference one in @paas/prover-server, or an adapter in front of a
 * zkVM network) serves at `/openapi.json`. Every path but `/openapi.json` needs
 * `Authorization: Bearer <token>` when the server has a token.
 */
/** What a job id may be: it travels as a path segment, where `.` and `..` would name another route. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/**
 * A job id a client proposes (`StartJob.jobId`): 22 characters at least, room for 128 random bits
 * in base64url, so two clients never pick the same one by chance.
 */
export const PROPOSED_JOB_ID_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;
const jobId = { type: "string", minLength: 1, maxLength: 128, pattern: JOB_ID_PATTERN.source } as const;
const hex64 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const error = {
  description: "What was wrong",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error"],
        properties: { error: { type: "string", description: "A message a person can act on" } },
      },
    },
  },
} as const;

export const REMOTE_PROVER_OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "PaaS remote prover",
    version: "1",
    description:
      "Start a proving job, keep its id, poll its status, fetch its receipt, cancel it. The client persists the job id before it waits (before it sends the start when it proposes the id, jobId, to a server whose info offers jobIds), so a start sent again, or a restart, reaches the same job.",
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: {
      ProgramRef: {
        type: "object",
        required: ["name", "version", "programId"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1, maxLength: 128 },
          version: { type: "string", minLength: 1, maxLength: 64 },
          programId: hex64,
        },
      },
      StartJob: {
        type: "object",
        required: ["program", "input", "requestId"],
        additionalProperties: false,
        properties: {
          program: { $ref: "#/components/schemas/ProgramRef" },
          input: { type: "string", contentEncoding: "base64", description: "The framed guest input" },
          requestId: {
            type: "string",
            minLength: 1,
            maxLength: 128,
            description:
              "The caller's name for the work: while a job for it is queued, running or succeeded, starting it again returns that job, or an id of its own on the same proof (so that one caller's cancel does not stop it for another that sent the same work)",
          },
          jobId: {
            type: "string",
            minLength: 22,
            maxLength: 128,
            pattern: PROPOSED_JOB_ID_PATTERN.source,
            description:
              "The id the caller asks this start's job to be known by (at least 128 random bits), recorded before it sends the start: the same start sent again (its answer was lost) is handed back the same job, never a second id on the proof that nobody could cancel. The same id for other work is refused (409)",
          },
        },
      },
      JobStatus: {
        type: "object",
        required: ["jobId", "state"],
        properties: {
          jobId,
          state: { type: "string", enum: ["queued", "running", "succeeded", "failed", "cancelled"] },
          progress: { type: "number", minimum: 0, maximum: 1 },
          error: { type: "string", description: "Why the job failed (state failed)" },
          retryable: { type: "boolean", description: "Whether running it again may succeed (state failed)" },
          requestId: {
            type: "string",
            description:
              "The requestId the job was started under. A client resumes a job it recorded only while this and programId name the work it wants proven now",
          },
          programId: { ...hex64, description: "The program the job proves" },
        },
      },
      Info: {
        type: "object",
        required: ["publicKey", "zkvm", "programs", "workers"],
        properties: {
          publicKey: { ...hex64, description: "The x-only BIP340 key receipts are signed with" },
          zkvm: { type: "string" },
          programs: { type: "array", items: { $ref: "#/components/schemas/ProgramRef" } },
          workers: { type: "integer", minimum: 1 },
          jobIds: {
            type: "boolean",
            description:
              "Whether the server honours a start's jobId; a client proposes one only to a server that says so",
          },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    "/v1/info": {
      get: {
        summary: "The server's signing key and the programs it proves",
        responses: {
          "200": {
            description: "Info",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Info" } } },
          },
          "401": error,
        },
      },
    },
    "/v1/jobs": {
      post: {
        summary:
          "Start a job (or return the live one for the same requestId, or the one this jobId was given)",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/StartJob" } } },
        },
        responses: {
          "201": {
            description: "Started",
            content: { "application/json": { schema: { $ref: "#/components/schemas/JobStatus" } } },
          },
          "200": {
            description:
              "A job for this requestId exists already (it, or an id of its own on it), or this jobId was started already",
            content: { "application/json": { schema: { $ref: "#/components/schemas/JobStatus" } } },
          },
          "400": error,
          "401": error,
          "404": { ...error, description: "The server does not prove this program" },
          "409": { ...error, description: "The jobId names a job of other work" },
          "413": error,
          "503": {
            ...error,
            description: "Receiving as many uploads as it may; send again after Retry-After",
          },
        },
      },
    },
    "/v1/jobs/{jobId}": {
      parameters: [{ name: "jobId", in: "path", required: true, schema: jobId }],
      get: {
        summary: "A job's status",
        responses: {
          "200": {
            description: "Status",
            content: { "application/json": { schema: { $ref: "#/components/schemas/JobStatus" } } },
          },
          "401": error,
          "404": { ...error, description: "No such job" },
        },
      },
      delete: {
        summary:
          "Cancel a job (a finished job keeps its state); a proof other jobs' callers still want goes on for them",
        responses: {
          "200": {
            description: "Its state now",
            content: { "application/json": { schema: { $ref: "#/components/schemas/JobStatus" } } },
          },
          "401": error,
          "404": { ...error, description: "No such job" },
        },
      },
    },
    "/v1/jobs/{jobId}/receipt": {
      parameters: [{ name: "jobId", in: "path", required: true, schema: jobId }],
      get: {
        summary: "The receipt of a succeeded job, in the zkVM receipt binary encoding",
        responses: {
          "200": {
            description: "The receipt",
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
          },
          "401": error,
          "404": { ...error, description: "No such job" },
          "409": { ...error, description: "The job has not succeeded" },
        },
      },
    },
  },
} as const;
