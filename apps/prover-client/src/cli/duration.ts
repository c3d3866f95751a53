import { InvalidParamsError } from "@paas/core/contracts";

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** An age on the command line, e.g. `90s`, `30m`, `1h`, `7d`, `2w`, `0s`: milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidParamsError(
      `${flag}: "${text}" is not a duration: a whole number and a unit (ms, s, m, h, d, w), e.g. 1h or 7d`,
    );
  }
  return ms;
}

/** The inverse of `parseDuration`: the largest unit up to days that states `ms` exactly, e.g. `7d`, `90s`. */
export function formatDuration(ms: number): string {
  const [unit, size] = Object.entries(UNIT_MS)
    .filter(([unit]) => unit !== "w")
    .sort(([, a], [, b]) => b - a)
    .find(([, size]) => ms % size === 0)!;
  return `${ms / size}${unit}`;
}
