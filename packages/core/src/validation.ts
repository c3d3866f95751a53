import { z } from "zod";
import type { ProofReceipt } from "./contracts/receipt.js";
import { InvalidConfigError, InvalidContextError, InvalidParamsError, PermanentError } from "./errors.js";
import { nearestName } from "./nearest-name.js";

/**
 * One way for every plugin to check what it is given, and one way to say what is wrong: zod's
 * `prettifyError`, which names each failing field (`✖ Too small: expected number to be >=10
 * → at interval_ms`), behind a prefix saying where the value came from.
 */
function check<S extends z.ZodType>(schema: S, raw: unknown, fail: (problem: string) => Error): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw fail(z.prettifyError(withKeyGuesses(parsed.error, schema)));
}

/**
 * An unknown key of the object checked, with the key it most likely meant (`Unrecognized key:
 * "interval" (did you mean "interval_ms"?)`), as the prover client's own config says it. The shape
 * is read, not matched by class: a plugin's schema comes from its own copy of zod.
 */
function withKeyGuesses(error: z.ZodError, schema: z.ZodType): z.ZodError {
  const shape = (schema as { shape?: unknown }).shape;
  if (typeof shape !== "object" || shape === null) return error;
  const known = Object.keys(shape);
  const issues = error.issues.map((issue) => {
    if (issue.code !== "unrecognized_keys" || issue.path.length > 0) return issue;
    const guesses = issue.keys.flatMap((key) => {
      const meant = nearestName(key, known);
      return meant === undefined ? [] : [{ key, meant }];
    });
    if (guesses.length === 0) return issue;
    const guess =
      issue.keys.length === 1
        ? `"${guesses[0]!.meant}"`
        : guesses.map(({ key, meant }) => `"${meant}" for "${key}"`).join(", ");
    return { ...issue, message: `${issue.message} (did you mean ${guess}?)` };
  });
  return new z.ZodError(issues);
}

/**
 * A setting of an earlier version, in a plugin's settings schema: refused with what replaces it
 * (`✖ no longer a setting: … → at chain_id`), so an old config fails at start saying what to do.
 */
export function retiredSetting(replacement: string) {
  return z
    .unknown()
    .refine(() => false, { message: `no longer a setting: ${replacement}` })
    .optional();
}

/** A plugin's `[plugin_settings.<kind>]` section (absent: `{}`); `InvalidConfigError` naming the section and key. */
export function parsePluginSettings<S extends z.ZodType>(kind: string, schema: S, raw: unknown): z.output<S> {
  return check(schema, raw ?? {}, (problem) => new InvalidConfigError(`plugin_settings.${kind}: ${problem}`));
}

/** A proof context of `kind`; `InvalidContextError` naming the field. */
export function parseContextWith<S extends z.ZodType>(kind: string, schema: S, raw: unknown): z.output<S> {
  return check(schema, raw, (problem) => new InvalidContextError(`invalid ${kind} context: ${problem}`));
}

/** The params of a plugin's JSON-RPC method (absent: `[]`); `InvalidParamsError` naming the method and param. */
export function parseParamsWith<S extends z.ZodType>(method: string, schema: S, raw: unknown): z.output<S> {
  return check(schema, raw ?? [], (problem) => new InvalidParamsError(`${method}: ${problem}`));
}

const receiptSchema = z.object({
  proof: z.instanceof(Uint8Array),
  publicValues: z.instanceof(Uint8Array),
  metadata: z.object({
    zkvm: z.enum(["native", "sp1", "risc0"]),
    programId: z.instanceof(Uint8Array),
    version: z.string(),
    proofType: z.enum(["core", "compressed", "groth16"]),
  }),
});

/**
 * What a host answered a proof with, before it is stored; `PermanentError` naming the field when it
 * is no receipt: a host's bug, which proving again repeats. Unchecked, an answer with no receipt
 * failed the store with a `TypeError` retried for hours, and a proof that was not bytes was stored
 * (as no bytes at all, on SQLite) and the task completed.
 */
export function parseReceiptFrom(backend: string, raw: unknown): ProofReceipt {
  return check(
    receiptSchema,
    raw,
    (problem) => new PermanentError(`the ${backend} host answered with no proof receipt: ${problem}`),
  );
}
