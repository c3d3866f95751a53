import { z } from "zod";
import type { ProofReceipt } from "./contracts/receipt.js";
import { InvalidConfigError, InvalidContextError, InvalidParamsError, PermanentError } from "./errors.js";

/**
 * One way for every plugin to check what it is given, and one way to say what is wrong: zod's
 * `prettifyError`, which names each failing field (`✖ Too small: expected number to be >=10
 * → at interval_ms`), behind a prefix saying where the value came from.
 */
function check<S extends z.ZodType>(schema: S, raw: unknown, fail: (problem: string) => Error): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw fail(z.prettifyError(parsed.error));
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
