import { PROPOSED_JOB_ID_PATTERN, type RemoteProgramRef } from "@paas/zkvm";
import { type ZodType, z } from "zod";
import { HttpError } from "./http-error.js";

const typeError = (expected: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${expected}`),
});

const text = (max: number) =>
  z.string(typeError("a string")).min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/** The contract's limits (`REMOTE_PROVER_OPENAPI`), checked at the boundary. */
const programRef = z
  .object(
    {
      name: text(128),
      version: text(64),
      programId: z.string(typeError("a string")).regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"),
    },
    typeError("an object { name, version, programId }"),
  )
  .strict();

const startJob = z
  .object(
    {
      program: programRef,
      input: z
        .string(typeError("a base64 string"))
        .refine(isPaddedBase64, "is not base64 (standard alphabet, padded)"),
      requestId: text(128),
      jobId: z
        .string(typeError("a string"))
        .regex(
          PROPOSED_JOB_ID_PATTERN,
          "must be 22 to 128 letters, digits, '_' or '-' (128 random bits or more)",
        )
        .optional(),
    },
    typeError("a JSON object { program, input, requestId, jobId? }"),
  )
  .strict();

/**
 * Standard, padded base64. Not zod's `z.base64()`: its regex repeats a group per 4 characters, and
 * on an input of tens of MB V8's backtracking stack for it took more memory than the decoded input
 * (~130 MB for a 64 MiB one), per upload at once. A single character class and a length check
 * cost nothing beyond the string.
 */
const PADDED_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isPaddedBase64(text: string): boolean {
  return text.length % 4 === 0 && PADDED_BASE64.test(text);
}

const jobParams = z.object({
  jobId: text(128).regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, '_' or '-'"),
});

export interface StartJobBody {
  readonly program: RemoteProgramRef;
  readonly input: string;
  readonly requestId: string;
  readonly jobId?: string;
}

export function parseStartJob(body: unknown): StartJobBody {
  return parse(startJob, body);
}

export function parseJobId(params: unknown): string {
  return parse(jobParams, params).jobId;
}

/** The first problem, naming its field: `program.programId: must be 64 lower-case hex digits`. */
function parse<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join(".");
  const message =
    issue.code === "unrecognized_keys"
      ? `${[path, issue.keys[0]].filter(Boolean).join(".")}: is not a field of this request`
      : `${path || "body"}: ${issue.message}`;
  throw new HttpError(400, "INVALID_REQUEST", message);
}
