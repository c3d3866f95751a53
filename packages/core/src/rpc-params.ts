import { z } from "zod";

/**
 * The params the plugins' JSON-RPC methods have in common — a block number, a slot or an index; a
 * backend name; a range — read and refused in the same words by every plugin. Positional params
 * have only their position as a zod path, so each message names its param.
 */

/** The longest backend name a method takes (a `[backends.<name>]` key). */
export const MAX_BACKEND_NAME = 32;

/**
 * A block number, slot or index: a non-negative integer, or a 0x quantity as Ethereum's JSON-RPC
 * writes numbers (`"0x1f"`). `what` says which, e.g. `"a slot number"`. With `genesis`, number 0
 * is refused with that reason (a genesis block is never proven).
 */
export function chainNumberParam(name: string, what: string, genesis?: string) {
  const problem = `${name}: ${what} (a non-negative integer or 0x quantity)`;
  const number = z
    .union([z.int(problem), z.string(problem).regex(/^0x[0-9a-fA-F]{1,14}$/, problem)], { error: problem })
    .transform((value) => (typeof value === "number" ? value : Number.parseInt(value, 16)))
    .refine((value) => value >= 0 && Number.isSafeInteger(value), problem);
  return genesis === undefined ? number : number.refine((value) => value !== 0, `${name}: ${genesis}`);
}

/** The optional backend a proof goes to (by default its kind's). */
export function backendParam() {
  const problem = `backend: a backend name of 1 to ${MAX_BACKEND_NAME} characters`;
  return z.string(problem).min(1, problem).max(MAX_BACKEND_NAME, problem).optional();
}

/** A range's params: their names, what they count, how many one proof takes (and the setting that says so). */
export interface RangeParams {
  readonly start: string;
  readonly end: string;
  /** What the numbers count: `"blocks"`, `"slots"`. */
  readonly unit: string;
  readonly max: number;
  /** The setting `max` comes from, when it is one: named in the message. */
  readonly limit?: string;
}

/**
 * Checks of a `[start, end, …]` tuple: the end not before the start, and at most `max` per proof.
 * Skipped while either end is not a number: its own message says what is wrong, and comparing raw
 * strings would add a false one.
 */
export function rangeCheck(range: RangeParams) {
  return (params: readonly unknown[], ctx: z.RefinementCtx): void => {
    const [start, end] = params;
    if (typeof start !== "number" || typeof end !== "number") return;
    if (end < start) {
      ctx.addIssue({ code: "custom", message: `${range.end} must not be before ${range.start}`, path: [1] });
      return;
    }
    const count = end - start + 1;
    if (count > range.max) {
      const cap = range.limit === undefined ? `${range.max}` : `${range.limit} = ${range.max}`;
      ctx.addIssue({
        code: "custom",
        message: `${range.start}..${range.end} are ${count} ${range.unit}, more than ${cap} per proof`,
        path: [1],
      });
    }
  };
}
