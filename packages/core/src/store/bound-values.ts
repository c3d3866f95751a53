/**
 * How many values one statement binds at most. SQLite takes 32,766 per statement and PostgreSQL
 * 65,535 (its protocol counts them in 16 bits: 80,000 went out as 14,464, and the server refused
 * the statement). A task with thousands of dependencies, or a submission of thousands of contexts,
 * is written and read in slices of this many values, well under both.
 */
export const MAX_BOUND_VALUES = 16_000;

/** `items` in consecutive slices of at most `size` each (one, for the usual few). */
export function* slices<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** The rows of `columns` values each that one insert may bind. */
export function rowsPerStatement(columns: number): number {
  return Math.floor(MAX_BOUND_VALUES / columns);
}
