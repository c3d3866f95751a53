import { z } from "zod";

/**
 * How a caller checks untrusted JSON: a zod schema (codecs decode, e.g. hex into bytes) or a
 * function that returns the typed value or throws.
 */
export type Validator<T> = z.ZodType<T> | ((value: unknown) => T);

export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

const MAX_ISSUES_SHOWN = 5;

/**
 * Runs a validator and, on failure, says what is wrong and where, relative to `root`
 * (e.g. "params[1]: Invalid input: expected int, received string").
 */
export function validate<T>(validator: Validator<T>, value: unknown, root: string): Validated<T> {
  if (typeof validator === "function") {
    try {
      return { ok: true, value: validator(value) };
    } catch (error) {
      if (error instanceof z.ZodError) return { ok: false, problem: describeIssues(error.issues, root) };
      return { ok: false, problem: `${root}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const result = validator.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problem: describeIssues(result.error.issues, root) };
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): string {
  const shown = issues
    .slice(0, MAX_ISSUES_SHOWN)
    .map((issue) => `${root}${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")} (and ${more} more)` : shown.join("; ");
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
}
